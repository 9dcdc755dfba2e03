package agent

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"patchdesk/agentsvc/pki"
	"patchdesk/agentsvc/wire"
	"patchdesk/model/inventory"
)

// StatusError is a refusal by the host, with its message.
type StatusError struct {
	Status     int
	Message    string
	RetryAfter time.Duration // from a 503's Retry-After
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("host answered %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// Client speaks the v1 agent API to one host, trying its URLs in turn when one is unreachable.
type Client struct {
	http *http.Client

	mu         sync.Mutex
	urls       []string
	cur        int
	credential string
}

// NewClient makes a client pinned to the CA with the fingerprint given. hc may be shared by many
// clients (the simulator does); nil makes a client of its own.
func NewClient(urls []string, caFingerprint string, hc *http.Client) *Client {
	if hc == nil {
		hc = NewHTTPClient(caFingerprint, 2)
	}
	return &Client{http: hc, urls: urls}
}

// NewHTTPClient is an HTTP client pinned to a CA, with at most conns connections per host.
func NewHTTPClient(caFingerprint string, conns int) *http.Client {
	return &http.Client{Transport: pki.PinnedTransport(caFingerprint, conns), Timeout: 2 * time.Minute}
}

// SetCredential sets the credential later calls authenticate with.
func (c *Client) SetCredential(cred string) {
	c.mu.Lock()
	c.credential = cred
	c.mu.Unlock()
}

// URL is the host URL in use.
func (c *Client) URL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.urls[c.cur]
}

// Enrol trades the token's secret for a credential, and keeps it for later calls.
func (c *Client) Enrol(ctx context.Context, req wire.EnrolRequest) (wire.EnrolResponse, error) {
	var resp wire.EnrolResponse
	err := c.post(ctx, wire.PathEnrol, req, false, &resp)
	if err == nil {
		c.SetCredential(resp.Credential)
	}
	return resp, err
}

// Checkin sends the heartbeat.
func (c *Client) Checkin(ctx context.Context, req wire.CheckinRequest) (wire.CheckinResponse, error) {
	var resp wire.CheckinResponse
	err := c.post(ctx, wire.PathCheckin, req, false, &resp)
	return resp, err
}

// UploadInventory sends an inventory, gzip-compressed; the reply comes after the host committed it.
func (c *Client) UploadInventory(ctx context.Context, inv *inventory.Inventory) (wire.InventoryResponse, error) {
	var resp wire.InventoryResponse
	err := c.post(ctx, wire.PathInventory, inv, true, &resp)
	return resp, err
}

// PostEvents sends events.
func (c *Client) PostEvents(ctx context.Context, events []wire.Event) (wire.EventsResponse, error) {
	var resp wire.EventsResponse
	err := c.post(ctx, wire.PathEvents, wire.EventsRequest{Events: events}, false, &resp)
	return resp, err
}

// gzipWriters are reused: the simulator uploads hundreds of inventories a second, and each new
// writer allocates about a megabyte.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

func (c *Client) post(ctx context.Context, path string, body any, compress bool, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if compress {
		var buf bytes.Buffer
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&buf)
		zw.Write(b)
		zw.Close()
		gzipWriters.Put(zw)
		b = buf.Bytes()
	}
	c.mu.Lock()
	urls, start, cred := c.urls, c.cur, c.credential
	c.mu.Unlock()
	var errs []error
	for i := range urls {
		n := (start + i) % len(urls)
		err := c.do(ctx, strings.TrimSuffix(urls[n], "/")+path, b, compress, cred, out)
		var se *StatusError
		if err == nil || errors.As(err, &se) || ctx.Err() != nil {
			if n != start {
				c.mu.Lock()
				c.cur = n
				c.mu.Unlock()
			}
			return err
		}
		errs = append(errs, err) // unreachable: try the next URL
	}
	return errors.Join(errs...)
}

func (c *Client) do(ctx context.Context, url string, body []byte, gz bool, cred string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// The policies reply is the largest the host sends; one byte more tells a cut reply from a whole one.
	data, err := io.ReadAll(io.LimitReader(resp.Body, wire.MaxPoliciesReply+1))
	if err != nil {
		return fmt.Errorf("read reply from %s: %w", url, err)
	}
	if len(data) > wire.MaxPoliciesReply {
		return fmt.Errorf("reply from %s is larger than %d bytes", url, wire.MaxPoliciesReply)
	}
	if resp.StatusCode != http.StatusOK {
		se := &StatusError{Status: resp.StatusCode, Message: strings.TrimSpace(string(data))}
		var e wire.Error
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			se.Message = e.Error
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			se.RetryAfter = time.Duration(s) * time.Second
		}
		return se
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode reply from %s: %w", url, err)
	}
	return nil
}
