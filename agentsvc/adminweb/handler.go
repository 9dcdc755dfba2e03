// Package adminweb serves the administrators' browser pages on the listener's HTTPS port: the
// dashboard and the reports (/dashboard, /reports/...), behind a sign-in with an administrator
// account (`patchdesk admin add NAME`). Reports run through the same registry as the desktop
// console and the CLI; charts use go-echarts with the ECharts script served by the host itself
// (/assets/echarts.min.js), never a CDN.
//
// Only a session cookie opens these pages: the Authorization header that agents send is never
// read here, so an agent credential opens nothing, and a session cookie means nothing to the
// agent API.
package adminweb

import (
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"time"

	"patchdesk/model"
)

// Session lifetimes: a session ends 12 hours after sign-in, or after an hour without a request.
const (
	sessionLifetime = 12 * time.Hour
	sessionIdle     = time.Hour
)

// Handler serves the pages. Mount it on the listener's mux at "/": the agent API's more
// specific patterns keep their paths, everything else is answered here.
type Handler struct {
	store   *model.Store
	log     *slog.Logger
	mux     *http.ServeMux
	limiter *limiter
	hashes  chan struct{} // bounds concurrent password checks: each takes 64 MiB
	now     func() time.Time
}

// New builds the handler.
func New(store *model.Store, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	h := &Handler{store: store, log: log.With("component", "adminweb"), mux: http.NewServeMux(),
		limiter: newLimiter(5, 15*time.Minute), hashes: make(chan struct{}, 2), now: time.Now}
	h.mux.HandleFunc("GET /assets/echarts.min.js", h.echartsScript)
	h.mux.HandleFunc("GET /assets/report.css", h.stylesheet)
	h.mux.HandleFunc("GET /signin", h.signInPage)
	h.mux.HandleFunc("POST /signin", h.signIn)
	h.mux.Handle("POST /signout", h.authed(h.signOut))
	h.mux.Handle("GET /{$}", http.RedirectHandler("/dashboard", http.StatusSeeOther))
	h.mux.Handle("GET /dashboard", h.authed(h.dashboard))
	h.mux.Handle("GET /reports", h.authed(h.reportList))
	h.mux.Handle("GET /reports/{name}", h.authed(h.report))
	h.mux.Handle("POST /reports/{name}", h.authed(h.report))
	h.mux.Handle("POST /reports/{name}/export", h.authed(h.export))
	return h
}

// ServeHTTP adds the security headers every page gets and routes the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	nonce := newNonce()
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self' 'nonce-"+nonce+"'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Strict-Transport-Security", "max-age=31536000")
	h.mux.ServeHTTP(w, r.WithContext(withNonce(r.Context(), nonce)))
}

func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	// The URL alphabet ('-', '_') is valid in a CSP nonce and, unlike '+', left alone by
	// html/template, so the header and the page carry the same text.
	return base64.RawURLEncoding.EncodeToString(b)
}
