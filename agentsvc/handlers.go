package agentsvc

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"patchdesk/agentsvc/wire"
	"patchdesk/model"
	"patchdesk/model/inventory"
)

// counters are the listener's running totals, for the GUI and the benchmarks.
type counters struct {
	enrolments, checkins, inventories, events atomic.Int64
	rejected, shed, failed                    atomic.Int64
}

// Stats are the listener's totals since Start.
type Stats struct {
	Agents      int   `json:"agents"`
	Enrolments  int64 `json:"enrolments"`
	Checkins    int64 `json:"checkins"`
	Inventories int64 `json:"inventories"`
	Events      int64 `json:"events"`
	Rejected    int64 `json:"rejected"` // 4xx answers
	Shed        int64 `json:"shed"`     // 503 answers under load
	Failed      int64 `json:"failed"`   // 5xx answers other than shedding
}

// Stats reads the totals.
func (s *Server) Stats() Stats {
	return Stats{Agents: s.reg.size(), Enrolments: s.stats.enrolments.Load(), Checkins: s.stats.checkins.Load(),
		Inventories: s.stats.inventories.Load(), Events: s.stats.events.Load(), Rejected: s.stats.rejected.Load(),
		Shed: s.stats.shed.Load(), Failed: s.stats.failed.Load()}
}

// httpError is a refusal with its status and a message for the agent's log.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func fail(status int, format string, args ...any) error {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

// handler routes the v1 API. Every route is POST with a JSON body.
func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST "+wire.PathEnrol, s.endpoint(false, wire.MaxEnrolBody, s.enrol))
	mux.Handle("POST "+wire.PathCheckin, s.endpoint(true, wire.MaxCheckinBody, s.checkin))
	mux.Handle("POST "+wire.PathInventory, s.endpoint(true, wire.MaxInventoryBody, s.inventory))
	mux.Handle("POST "+wire.PathEvents, s.endpoint(true, wire.MaxEventsBody, s.events))
	for pattern, h := range s.routes {
		mux.Handle(pattern, h)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if s.opts.Web != nil && !strings.HasPrefix(r.URL.Path, wire.Prefix) {
			s.opts.Web.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodPost && strings.HasPrefix(r.URL.Path, wire.Prefix) {
			w.Header().Set("Allow", http.MethodPost)
			s.writeError(w, fail(http.StatusMethodNotAllowed, "%s needs POST", r.URL.Path))
			return
		}
		s.writeError(w, fail(http.StatusNotFound, "no such endpoint %s; this host speaks %s", r.URL.Path, wire.Prefix))
	})
	return mux
}

// HandleAgent adds a further agent endpoint (such as package downloads) before Start; its
// handler checks the caller with Authenticate.
func (s *Server) HandleAgent(pattern string, h http.Handler) {
	if s.routes == nil {
		s.routes = map[string]http.Handler{}
	}
	s.routes[pattern] = h
}

// Authenticate checks a request's agent credential, for endpoints added with HandleAgent. It
// answers false for unknown and revoked computers alike.
func (s *Server) Authenticate(r *http.Request) (computerID uint, ok bool) {
	cred, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !found {
		return 0, false
	}
	id, res := s.reg.authenticate(cred)
	return id, res == authOK
}

// call is one authenticated (or enrolling) request.
type call struct {
	r        *http.Request
	body     io.Reader
	computer uint
}

// endpoint wraps a handler with what every route shares: load shedding, authentication and the
// body size limit. Nothing here writes to the database, so a refused request changes nothing.
func (s *Server) endpoint(auth bool, maxBody int64, h func(context.Context, *call) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.limit <- struct{}{}:
			defer func() { <-s.limit }()
		default:
			s.stats.shed.Add(1)
			// Spread the retries so that shed agents do not come back all at once.
			w.Header().Set("Retry-After", strconv.Itoa(2+rand.IntN(9)))
			s.writeError(w, fail(http.StatusServiceUnavailable, "host is busy; retry later"))
			return
		}
		c := &call{r: r, body: http.MaxBytesReader(w, r.Body, maxBody)}
		if auth {
			cred, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok {
				s.writeError(w, fail(http.StatusUnauthorized, "missing credential (Authorization: Bearer ...)"))
				return
			}
			id, res := s.reg.authenticate(cred)
			switch res {
			case authUnknown:
				s.writeError(w, fail(http.StatusUnauthorized, "unknown credential: enrol again with a new token"))
				return
			case authRevoked:
				s.writeError(w, fail(http.StatusForbidden, "this computer was revoked by the administrator"))
				return
			}
			c.computer = id
		}
		out, err := h(r.Context(), c)
		if err != nil {
			s.writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	})
}

func (s *Server) writeError(w http.ResponseWriter, err error) {
	status, msg := http.StatusInternalServerError, "internal error"
	var he *httpError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		status, msg = he.status, he.msg
	case errors.As(err, &mbe):
		status, msg = http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", mbe.Limit)
	case errors.Is(err, context.Canceled):
		return // the agent hung up; nobody reads the answer
	default:
		s.log.Error("agent request failed", "err", err)
	}
	switch {
	case status == http.StatusServiceUnavailable:
	case status >= 500:
		s.stats.failed.Add(1)
	default:
		s.stats.rejected.Add(1)
	}
	writeJSON(w, status, wire.Error{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encode reply"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// decodeStrict reads exactly one JSON value with no unknown fields: a v1 body that does not
// match the v1 schema is a bug worth a clear 400, not a silent half-read.
func decodeStrict(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, next := dec.Token(); next != io.EOF {
			err = next
			if err == nil {
				err = errors.New("data after the object")
			}
		}
	}
	var mbe *http.MaxBytesError
	if err == nil || errors.As(err, &mbe) {
		return err // a body over the limit is a 413, not a 400
	}
	return fail(http.StatusBadRequest, "invalid JSON body: %v", err)
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) enrol(ctx context.Context, c *call) (any, error) {
	var req wire.EnrolRequest
	if err := decodeStrict(c.body, &req); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, fail(http.StatusBadRequest, "%v", err)
	}
	tokenID, tokenSecret, ok := wire.SplitSecret(req.Token)
	if !ok {
		return nil, fail(http.StatusUnauthorized, "%v", model.ErrTokenInvalid)
	}
	secret, err := wire.NewSecret()
	if err != nil {
		return nil, err
	}
	th, ch, addr := hashSecret(tokenSecret), hashSecret(secret), remoteIP(c.r)
	comp, err := s.store.Enrol(ctx, model.Enrolment{TokenID: tokenID, SecretHash: th[:], Hostname: req.Hostname,
		OSFamily: req.OSFamily, AgentVersion: req.AgentVersion, Address: addr, CredentialHash: ch[:], Now: s.opts.Now().UTC()})
	switch {
	case errors.Is(err, model.ErrTokenInvalid), errors.Is(err, model.ErrTokenExpired), errors.Is(err, model.ErrTokenUsedUp):
		return nil, fail(http.StatusUnauthorized, "%v", err)
	case err != nil:
		return nil, err
	}
	s.reg.enrolled(comp)
	s.stats.enrolments.Add(1)
	s.log.Info("agent enrolled", "computer", comp.Name, "id", comp.ID, "token", tokenID, "address", addr)
	return wire.EnrolResponse{ComputerID: comp.ID, Credential: strconv.FormatUint(uint64(comp.ID), 10) + "." + secret}, nil
}

func (s *Server) checkin(ctx context.Context, c *call) (any, error) {
	var req wire.CheckinRequest
	if err := decodeStrict(c.body, &req); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, fail(http.StatusBadRequest, "%v", err)
	}
	want, scanNow, ok := s.reg.checkin(c.computer, req, remoteIP(c.r), s.opts.Now().UTC())
	if !ok {
		return nil, fail(http.StatusUnauthorized, "unknown credential: enrol again with a new token")
	}
	s.stats.checkins.Add(1)
	cfg := s.cfg.Load()
	return wire.CheckinResponse{
		NextCheckinS:      int(cfg.checkin / time.Second),
		WantInventory:     want,
		ScanNow:           scanNow,
		ScanSchedule:      s.scanScheduleFor(c.computer, cfg),
		SendOnlyIfChanged: cfg.onlyIfChanged,
		AgentEvents:       cfg.agentEvents,
		PolicyRevision:    s.policyRevision(ctx, c.computer), // install cycle hook (policies.go)
	}, nil
}

// readInventory decodes an upload, gzip or plain, refusing more than wire.MaxInventoryJSON of JSON.
func readInventory(body io.Reader, encoding string) (*inventory.Inventory, error) {
	switch strings.ToLower(encoding) {
	case "gzip":
		zr, _ := gzipReaders.Get().(*gzip.Reader)
		var err error
		if zr == nil {
			zr, err = gzip.NewReader(body)
		} else {
			err = zr.Reset(body)
		}
		if err == nil {
			defer gzipReaders.Put(zr)
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, err
			}
			return nil, fail(http.StatusBadRequest, "invalid gzip body: %v", err)
		}
		body = zr
	case "", "identity":
	default:
		return nil, fail(http.StatusUnsupportedMediaType, "content encoding %q is not supported; send gzip", encoding)
	}
	limited := &limitedReader{r: body, left: wire.MaxInventoryJSON}
	var inv inventory.Inventory
	if err := decodeStrict(limited, &inv); err != nil {
		if limited.exceeded {
			return nil, fail(http.StatusRequestEntityTooLarge, "inventory larger than %d bytes uncompressed", wire.MaxInventoryJSON)
		}
		return nil, err // a corrupt gzip stream surfaces here as a 400 too
	}
	if err := wire.ValidateInventory(&inv); err != nil {
		return nil, fail(http.StatusBadRequest, "invalid inventory: %v", err)
	}
	return &inv, nil
}

// gzipReaders are reused across uploads; each new one allocates its decompression tables.
var gzipReaders sync.Pool

// limitedReader is io.LimitReader that remembers hitting the limit, to tell a gzip bomb (413)
// from a truncated body (400).
type limitedReader struct {
	r        io.Reader
	left     int64
	exceeded bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		l.exceeded = true
		return 0, errors.New("inventory too large")
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

func (s *Server) inventory(ctx context.Context, c *call) (any, error) {
	inv, err := readInventory(c.body, c.r.Header.Get("Content-Encoding"))
	if err != nil {
		return nil, err
	}
	inv.Normalize()
	digest := inv.Digest()
	blob, err := model.EncodeInventory(inv)
	if err != nil {
		return nil, err
	}
	err = s.writer.saveInventory(ctx, model.InventoryRecord{ComputerID: c.computer, Inventory: inv, Digest: digest, Blob: blob, At: s.opts.Now().UTC()})
	if errors.Is(err, model.ErrNotFound) {
		return nil, fail(http.StatusUnauthorized, "unknown credential: enrol again with a new token")
	}
	if err != nil {
		return nil, err
	}
	s.stats.inventories.Add(1)
	return wire.InventoryResponse{InventoryDigest: digest}, nil
}

func (s *Server) events(ctx context.Context, c *call) (any, error) {
	var req wire.EventsRequest
	if err := decodeStrict(c.body, &req); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, fail(http.StatusBadRequest, "%v", err)
	}
	now := s.opts.Now().UTC()
	// install cycle hook (policies.go): delivery events are stored even without agent events.
	delivered, err := s.storeDeliveries(ctx, c.computer, req.Events, now)
	if err != nil {
		return nil, err
	}
	if !s.cfg.Load().agentEvents {
		return wire.EventsResponse{Stored: delivered}, nil
	}
	es := make([]model.AgentEvent, len(req.Events))
	for i, e := range req.Events {
		es[i] = model.AgentEvent{ComputerID: c.computer, At: e.At.UTC(), ReceivedAt: now, Severity: e.Severity, Kind: e.Kind, Message: e.Message}
	}
	if err := s.store.AddAgentEvents(ctx, es); err != nil {
		return nil, err
	}
	s.stats.events.Add(int64(len(es)))
	return wire.EventsResponse{Stored: len(es)}, nil
}
