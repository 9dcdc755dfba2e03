// Package secrets seals the few secrets PatchDesk stores in its database (the run-as account's
// password) with AES-256-GCM and a key kept beside the database in the data dir. The database
// alone, a backup of it or an export of its settings then does not give the secret away; a copy
// of the whole data dir does, as it would for any program that must use the secret unattended.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"patchdesk/model/atomicfile"
)

// KeyFile is the key's name in the data dir.
const KeyFile = "secret.key"

// prefix marks a sealed value and its format version.
const prefix = "sealed:v1:"

// ErrKeyMismatch means a sealed value was made with another data dir's key.
var ErrKeyMismatch = errors.New("the value was sealed with another key (was the data dir's secret.key replaced?)")

// IsSealed tells a sealed value from plain text.
func IsSealed(s string) bool { return strings.HasPrefix(s, prefix) }

// Seal encrypts plain with the data dir's key, creating the key on first use.
func Seal(dataDir, plain string) (string, error) {
	aead, err := cipherFor(dataDir, true)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	return prefix + base64.RawStdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(plain), nil)), nil
}

// Open decrypts a value Seal made with the same data dir's key.
func Open(dataDir, sealed string) (string, error) {
	if !IsSealed(sealed) {
		return "", errors.New("open secret: not a sealed value")
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, prefix))
	if err != nil {
		return "", fmt.Errorf("open secret: %w", err)
	}
	aead, err := cipherFor(dataDir, false)
	if err != nil {
		return "", err
	}
	if len(raw) < aead.NonceSize() {
		return "", errors.New("open secret: value too short")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], nil)
	if err != nil {
		return "", ErrKeyMismatch
	}
	return string(plain), nil
}

// cipherFor reads the data dir's key, or creates it (readable by the owner only) when create is
// set and there is none.
func cipherFor(dataDir string, create bool) (cipher.AEAD, error) {
	if dataDir == "" {
		return nil, errors.New("secrets need a data dir for their key")
	}
	path := filepath.Join(dataDir, KeyFile)
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("create %s: %w", path, err)
		}
		if err := atomicfile.Write(path, key, 0o600); err != nil {
			return nil, err
		}
		// Two processes creating the key at once: the rename that landed last wins, so use it.
		if key, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("read the secrets key: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("%s holds %d bytes, not a 32-byte key", path, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
