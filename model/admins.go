package model

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Admin is an account that signs in to the browser pages the listener serves (/dashboard,
// /reports). It is separate from agents' credentials: neither opens the other's doors.
type Admin struct {
	ID           uint       `gorm:"primaryKey" json:"id"`
	Name         string     `gorm:"not null" json:"name"`
	PasswordHash string     `gorm:"not null" json:"-"`
	CreatedAt    time.Time  `gorm:"not null" json:"created_at"`
	UpdatedAt    time.Time  `gorm:"not null" json:"updated_at"`
	LastSignInAt *time.Time `json:"last_sign_in_at"`
}

func (Admin) TableName() string { return "admins" }

// AdminSession is a signed-in browser. Only the SHA-256 of its token is stored; the token
// itself lives in the browser's cookie.
type AdminSession struct {
	TokenHash  string    `gorm:"primaryKey"`
	AdminID    uint      `gorm:"not null"`
	CSRFToken  string    `gorm:"column:csrf_token;not null"` // every form of the session carries it
	CreatedAt  time.Time `gorm:"not null"`
	ExpiresAt  time.Time `gorm:"not null"`
	LastSeenAt time.Time `gorm:"not null"`
	Address    string    `gorm:"not null;default:''"`
}

func (AdminSession) TableName() string { return "admin_sessions" }

// ErrBadCredentials means the name or the password is wrong; which one is not said.
var ErrBadCredentials = errors.New("wrong administrator name or password")

// MinAdminPassword is the shortest password an administrator may set.
const MinAdminPassword = 12

var adminNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// ValidateAdminPassword checks a new password before it is hashed.
func ValidateAdminPassword(password string) error {
	switch n := utf8.RuneCountInString(password); {
	case !utf8.ValidString(password):
		return errors.New("the password is not valid UTF-8")
	case n < MinAdminPassword:
		return fmt.Errorf("the password has %d characters; use at least %d", n, MinAdminPassword)
	case len(password) > 1024:
		return errors.New("the password is longer than 1024 bytes")
	}
	return nil
}

// SetAdminPassword creates the administrator, or sets a new password for an existing one and
// signs out all of its sessions. created tells which.
func (s *Store) SetAdminPassword(ctx context.Context, actor, name, password string) (created bool, err error) {
	if !adminNameRe.MatchString(name) {
		return false, fmt.Errorf("administrator name %q: use 1 to 64 letters, digits and . _ @ -, starting with a letter or digit", name)
	}
	if err := ValidateAdminPassword(password); err != nil {
		return false, err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return false, err
	}
	now := time.Now().UTC()
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var existing []Admin
		if err := tx.Where("lower(name) = lower(?)", name).Find(&existing).Error; err != nil {
			return err
		}
		if len(existing) == 0 {
			created = true
			if err := tx.Create(&Admin{Name: name, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}).Error; err != nil {
				return err
			}
			return AuditTx(tx, actor, "add", "admin:"+name, "")
		}
		a := existing[0]
		if err := tx.Model(&a).Updates(map[string]any{"password_hash": hash, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := tx.Where("admin_id = ?", a.ID).Delete(&AdminSession{}).Error; err != nil {
			return err
		}
		return AuditTx(tx, actor, "set password", "admin:"+a.Name, "sessions signed out")
	})
	if err != nil {
		return false, fmt.Errorf("set password of administrator %s: %w", name, err)
	}
	return created, nil
}

// Admins lists the administrator accounts by name.
func (s *Store) Admins(ctx context.Context) ([]Admin, error) {
	var out []Admin
	if err := s.DB.WithContext(ctx).Order("lower(name)").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list administrators: %w", err)
	}
	return out, nil
}

// RemoveAdmin deletes an administrator and its sessions.
func (s *Store) RemoveAdmin(ctx context.Context, actor, name string) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a Admin
		err := tx.Where("lower(name) = lower(?)", name).First(&a).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("administrator %q: %w", name, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("remove administrator %s: %w", name, err)
		}
		if err := tx.Where("admin_id = ?", a.ID).Delete(&AdminSession{}).Error; err != nil {
			return fmt.Errorf("remove administrator %s: %w", name, err)
		}
		if err := tx.Delete(&a).Error; err != nil {
			return fmt.Errorf("remove administrator %s: %w", name, err)
		}
		return AuditTx(tx, actor, "remove", "admin:"+a.Name, "")
	})
}

// CheckAdminPassword returns the administrator when name and password match, else
// ErrBadCredentials. An unknown name costs as much time as a wrong password.
func (s *Store) CheckAdminPassword(ctx context.Context, name, password string) (Admin, error) {
	var found []Admin
	if err := s.DB.WithContext(ctx).Where("lower(name) = lower(?)", name).Limit(1).Find(&found).Error; err != nil {
		return Admin{}, fmt.Errorf("check administrator password: %w", err)
	}
	if len(found) == 0 {
		if dummy, err := dummyHash(); err == nil {
			_, _ = checkPassword(dummy, password)
		}
		return Admin{}, ErrBadCredentials
	}
	ok, err := checkPassword(found[0].PasswordHash, password)
	if err != nil {
		return Admin{}, fmt.Errorf("check password of administrator %s: %w", found[0].Name, err)
	}
	if !ok {
		return Admin{}, ErrBadCredentials
	}
	return found[0], nil
}

// NewAdminSession signs an administrator in until expires and returns the session's token
// (for the cookie) and the session.
func (s *Store) NewAdminSession(ctx context.Context, adminID uint, expires time.Time, address string) (string, AdminSession, error) {
	token, err := randomToken()
	if err != nil {
		return "", AdminSession{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return "", AdminSession{}, err
	}
	now := time.Now().UTC()
	sess := AdminSession{TokenHash: tokenHash(token), AdminID: adminID, CSRFToken: csrf, CreatedAt: now,
		ExpiresAt: expires.UTC(), LastSeenAt: now, Address: address}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&sess).Error; err != nil {
			return err
		}
		return tx.Model(&Admin{}).Where("id = ?", adminID).Update("last_sign_in_at", now).Error
	})
	if err != nil {
		return "", AdminSession{}, fmt.Errorf("sign in administrator %d: %w", adminID, err)
	}
	return token, sess, nil
}

// AdminSessionByToken returns a live session and its administrator; ErrNotFound when the
// token is unknown, expired or idle since before idleSince. It records the visit.
func (s *Store) AdminSessionByToken(ctx context.Context, token string, now, idleSince time.Time) (AdminSession, Admin, error) {
	db := s.DB.WithContext(ctx)
	var sess []AdminSession
	if err := db.Where("token_hash = ?", tokenHash(token)).Limit(1).Find(&sess).Error; err != nil {
		return AdminSession{}, Admin{}, fmt.Errorf("read administrator session: %w", err)
	}
	if len(sess) == 0 || !now.Before(sess[0].ExpiresAt) || sess[0].LastSeenAt.Before(idleSince) {
		return AdminSession{}, Admin{}, fmt.Errorf("administrator session: %w", ErrNotFound)
	}
	var a Admin
	if err := db.First(&a, sess[0].AdminID).Error; err != nil {
		return AdminSession{}, Admin{}, fmt.Errorf("administrator of session: %w", ErrNotFound)
	}
	// A write per page view would queue behind the listener's writes; a minute's precision is enough.
	if now.Sub(sess[0].LastSeenAt) > time.Minute {
		if err := db.Model(&AdminSession{}).Where("token_hash = ?", sess[0].TokenHash).Update("last_seen_at", now.UTC()).Error; err != nil {
			return AdminSession{}, Admin{}, fmt.Errorf("record administrator visit: %w", err)
		}
	}
	return sess[0], a, nil
}

// EndAdminSession signs a session out.
func (s *Store) EndAdminSession(ctx context.Context, token string) error {
	if err := s.DB.WithContext(ctx).Where("token_hash = ?", tokenHash(token)).Delete(&AdminSession{}).Error; err != nil {
		return fmt.Errorf("sign out administrator session: %w", err)
	}
	return nil
}

// PruneAdminSessions deletes sessions that expired before now.
func (s *Store) PruneAdminSessions(ctx context.Context, now time.Time) (int64, error) {
	res := s.DB.WithContext(ctx).Where("expires_at < ?", now.UTC()).Delete(&AdminSession{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune administrator sessions: %w", res.Error)
	}
	return res.RowsAffected, nil
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make session token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return hex.EncodeToString(h[:])
}
