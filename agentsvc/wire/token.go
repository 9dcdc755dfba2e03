package wire

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// tokenPrefix versions the token's encoding, so a future format is told apart at a glance.
const tokenPrefix = "pdt1."

// Token is an enrolment token: everything a new agent needs in one string an administrator can
// paste: where the host is, which CA to trust (so no certificate is trusted on first use), and a
// secret that lets it enrol a limited number of times before a deadline.
type Token struct {
	URLs          []string `json:"urls"`
	CAFingerprint string   `json:"ca"` // hex SHA-256 of the host CA certificate's DER
	ID            string   `json:"id"`
	Secret        string   `json:"secret"`
}

// String encodes the token for the command line: no characters a shell or URL would mangle.
func (t Token) String() string {
	b, _ := json.Marshal(t)
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// EnrolSecret is the part the agent sends to enrol ("id.secret").
func (t Token) EnrolSecret() string { return t.ID + "." + t.Secret }

// ErrBadToken means a string is not an enrolment token.
var ErrBadToken = errors.New("not a PatchDesk enrolment token")

// ParseToken decodes and checks a token string.
func ParseToken(s string) (Token, error) {
	var t Token
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, tokenPrefix)
	if !ok {
		return t, fmt.Errorf("%w: it must start with %q", ErrBadToken, tokenPrefix)
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return t, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return t, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	if len(t.URLs) == 0 {
		return t, fmt.Errorf("%w: it names no host URL", ErrBadToken)
	}
	for _, u := range t.URLs {
		if err := CheckHostURL(u); err != nil {
			return t, fmt.Errorf("%w: %v", ErrBadToken, err)
		}
	}
	if !isHexDigest(t.CAFingerprint) {
		return t, fmt.Errorf("%w: the CA fingerprint is not a SHA-256 digest", ErrBadToken)
	}
	if t.ID == "" || t.Secret == "" || strings.Contains(t.ID, ".") {
		return t, fmt.Errorf("%w: it has no valid secret", ErrBadToken)
	}
	return t, nil
}

// CheckHostURL accepts an https URL with a host and nothing but an optional port and path "/".
func CheckHostURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("host URL %q: %w", s, err)
	}
	if u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return fmt.Errorf("host URL %q: want https://HOST[:PORT]", s)
	}
	return nil
}

// NewSecret returns 256 random bits, URL-safe. Secrets this strong are stored as plain SHA-256
// hashes: a slow password hash would add nothing but cost on every check-in.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// NewID returns a short random identifier for a token.
func NewID() (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// SplitSecret splits "id.secret" as used by tokens and credentials.
func SplitSecret(s string) (id, secret string, ok bool) {
	id, secret, ok = strings.Cut(s, ".")
	return id, secret, ok && id != "" && secret != ""
}
