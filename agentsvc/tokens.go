package agentsvc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"patchdesk/agentsvc/pki"
	"patchdesk/agentsvc/wire"
	"patchdesk/model"
	"patchdesk/model/settings"
)

// TokenStore is what token creation needs from the database; *model.Store has it.
type TokenStore interface {
	CreateEnrolToken(ctx context.Context, t model.EnrolToken) error
}

// TokenRequest describes a token to create.
type TokenRequest struct {
	Expires time.Duration // default 7 days
	Uses    int           // default 1
	// URLs replaces the host URLs derived from the listener settings.
	URLs  []string
	Actor string
}

// TokenInfo is a new token as `patchdesk token create` prints it. Token is shown only now: the
// host keeps its hash.
type TokenInfo struct {
	ID            string    `json:"id"`
	Token         string    `json:"token"`
	URLs          []string  `json:"urls"`
	CAFingerprint string    `json:"ca_fingerprint"`
	ExpiresAt     time.Time `json:"expires_at"`
	Uses          int       `json:"uses"`
	Command       string    `json:"command"` // what to run on a PC to enrol it
}

// DefaultTokenLifetime is how long a token works when no expiry is given.
const DefaultTokenLifetime = 7 * 24 * time.Hour

// CreateToken makes an enrolment token for the data dir's host. It works whether or not the host
// runs: it creates the CA if the host never started.
func CreateToken(ctx context.Context, store TokenStore, src SettingsSource, dataDir string, req TokenRequest) (TokenInfo, error) {
	if req.Expires == 0 {
		req.Expires = DefaultTokenLifetime
	}
	if req.Uses == 0 {
		req.Uses = 1
	}
	if req.Expires < time.Minute || req.Uses < 1 || req.Uses > 1_000_000 {
		return TokenInfo{}, errors.New("create token: expiry must be at least 1m and uses 1 to 1000000")
	}
	urls := req.URLs
	if len(urls) == 0 {
		v, err := src.Load(ctx)
		if err != nil {
			return TokenInfo{}, fmt.Errorf("create token: %w", err)
		}
		urls, err = HostURLs(v)
		if err != nil {
			return TokenInfo{}, fmt.Errorf("create token: %w", err)
		}
	}
	for _, u := range urls {
		if err := wire.CheckHostURL(u); err != nil {
			return TokenInfo{}, fmt.Errorf("create token: %w", err)
		}
	}
	ca, err := pki.LoadOrCreateCA(pki.Dir(dataDir))
	if err != nil {
		return TokenInfo{}, fmt.Errorf("create token: %w", err)
	}
	id, err := wire.NewID()
	if err != nil {
		return TokenInfo{}, err
	}
	secret, err := wire.NewSecret()
	if err != nil {
		return TokenInfo{}, err
	}
	tok := wire.Token{URLs: urls, CAFingerprint: ca.Fingerprint(), ID: id, Secret: secret}
	now := time.Now().UTC()
	h := hashSecret(secret)
	rec := model.EnrolToken{ID: id, SecretHash: h[:], CreatedAt: now, CreatedBy: req.Actor, ExpiresAt: now.Add(req.Expires),
		Uses: req.Uses, UsesLeft: req.Uses}
	if err := store.CreateEnrolToken(ctx, rec); err != nil {
		return TokenInfo{}, err
	}
	return TokenInfo{ID: id, Token: tok.String(), URLs: urls, CAFingerprint: tok.CAFingerprint, ExpiresAt: rec.ExpiresAt,
		Uses: req.Uses, Command: "patchagent run --server " + urls[0] + " --token " + tok.String()}, nil
}

// HostURLs are the URLs agents can reach the listener at: one per certificate name, on the
// listener's port, in the order the settings list the names.
func HostURLs(v settings.Values) ([]string, error) {
	_, port, err := net.SplitHostPort(v.Text(settings.KeyListenerAddress))
	if err != nil {
		return nil, fmt.Errorf("listener address: %w", err)
	}
	var urls []string
	for _, n := range v.List(settings.KeyListenerNames) {
		urls = append(urls, "https://"+net.JoinHostPort(n, port))
	}
	if len(urls) == 0 {
		return nil, errors.New("no listener certificate names are set")
	}
	return urls, nil
}
