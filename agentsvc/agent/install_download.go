package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"patchdesk/agentsvc/wire"
)

// ErrPackageTampered means a downloaded package's SHA-256 is not the one the policy names; the
// file is deleted and never run.
var ErrPackageTampered = errors.New("package SHA-256 does not match the policy: refused")

// DownloadPackage fetches a package from the host into dst, resuming a cut download from
// dst+".part" with an HTTP Range request, and moves it into place only after its SHA-256
// matched. A file already at dst is checked again, since anything on disk may have changed.
func (c *Client) DownloadPackage(ctx context.Context, sum string, size int64, dst string) error {
	if ok, err := fileHasHash(dst, sum); err == nil && ok {
		return nil
	}
	_ = os.Remove(dst)
	part := dst + ".part"
	f, err := os.OpenFile(part, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("open %s: %w", part, err)
	}
	defer f.Close()
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("seek %s: %w", part, err)
	}
	if size > 0 && have > size {
		// Longer than the package: nothing of it can be trusted.
		if err := f.Truncate(0); err != nil {
			return fmt.Errorf("truncate %s: %w", part, err)
		}
		have, _ = f.Seek(0, io.SeekStart)
	}
	if size <= 0 || have < size {
		if err := c.fetchRange(ctx, sum, f, have); err != nil {
			return err
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("seek %s: %w", part, err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("hash %s: %w", part, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		f.Close()
		_ = os.Remove(part)
		return fmt.Errorf("%w (got %s, want %s)", ErrPackageTampered, got, sum)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", part, err)
	}
	if err := os.Rename(part, dst); err != nil {
		return fmt.Errorf("move package into place: %w", err)
	}
	return nil
}

// fetchRange appends the package from offset have to f.
func (c *Client) fetchRange(ctx context.Context, sum string, f *os.File, have int64) error {
	c.mu.Lock()
	url, cred := strings.TrimSuffix(c.urls[c.cur], "/")+wire.PathPackages+sum, c.credential
	c.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+cred)
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	// Downloads may be large: no overall timeout, the context bounds them.
	hc := *c.http
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("download package %s: %w", sum, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
	case http.StatusOK:
		if err := f.Truncate(0); err != nil {
			return fmt.Errorf("restart download: %w", err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
	case http.StatusRequestedRangeNotSatisfiable:
		return nil // already complete; the hash decides
	default:
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return &StatusError{Status: resp.StatusCode, Message: strings.TrimSpace(string(msg))}
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		return fmt.Errorf("download package %s: %w", sum, err)
	}
	return nil
}

func fileHasHash(path, sum string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, err
	}
	return hex.EncodeToString(h.Sum(nil)) == sum, nil
}
