package adminweb

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"patchdesk/model"
)

// Cookie names carry the __Host- prefix: browsers then accept them only with Secure, Path=/ and
// no Domain, so no other host or subdomain can plant one.
const (
	sessionCookie = "__Host-patchdesk-session"
	signInCookie  = "__Host-patchdesk-signin" // the sign-in form's CSRF token, before any session exists
	csrfField     = "csrf"
	maxFormBody   = 64 << 10
)

type ctxKey int

const (
	nonceKey ctxKey = iota
	sessionKey
)

func withNonce(ctx context.Context, nonce string) context.Context {
	return context.WithValue(ctx, nonceKey, nonce)
}

func nonceOf(ctx context.Context) string { s, _ := ctx.Value(nonceKey).(string); return s }

// signedIn is the administrator and session of a request that passed authed.
type signedIn struct {
	admin   model.Admin
	session model.AdminSession
	token   string
}

func sessionOf(ctx context.Context) *signedIn { s, _ := ctx.Value(sessionKey).(*signedIn); return s }

func setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// authed lets a request through only with a live session; a POST must also carry the session's
// CSRF token. Pages send a browser without a session to the sign-in form.
func (h *Handler) authed(next func(http.ResponseWriter, *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := h.now()
		var s *signedIn
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			sess, admin, err := h.store.AdminSessionByToken(r.Context(), c.Value, now, now.Add(-sessionIdle))
			switch {
			case err == nil:
				s = &signedIn{admin: admin, session: sess, token: c.Value}
			case !errors.Is(err, model.ErrNotFound):
				h.fail(w, r, http.StatusInternalServerError, err)
				return
			}
		}
		if s == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/signin?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.fail(w, r, http.StatusForbidden, errors.New("not signed in"))
			return
		}
		if r.Method != http.MethodGet {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
			if err := r.ParseForm(); err != nil {
				h.fail(w, r, http.StatusBadRequest, fmt.Errorf("read form: %w", err))
				return
			}
			if !sameToken(r.PostForm.Get(csrfField), s.session.CSRFToken) {
				h.fail(w, r, http.StatusForbidden, errors.New("the form's CSRF token is missing or wrong; reload the page"))
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		next(w, r.WithContext(context.WithValue(r.Context(), sessionKey, s)))
	})
}

func sameToken(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

type signInView struct {
	view
	Next, Name, Error string
}

func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	token, err := randomToken()
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	setCookie(w, signInCookie, token, int(time.Hour.Seconds()))
	w.Header().Set("Cache-Control", "no-store")
	v := signInView{view: view{Title: "Sign in", CSRF: token}, Next: localPath(r.URL.Query().Get("next"))}
	h.render(w, r, http.StatusOK, "signin", v)
}

// signIn checks the form's CSRF token against its cookie (double submit: a cross-site page can
// neither read nor set the cookie), the rate limits, then the password.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, http.StatusBadRequest, fmt.Errorf("read form: %w", err))
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	v := signInView{view: view{Title: "Sign in", CSRF: r.PostForm.Get(csrfField)}, Next: localPath(r.PostForm.Get("next")), Name: name}
	c, err := r.Cookie(signInCookie)
	if err != nil || !sameToken(v.CSRF, c.Value) {
		h.fail(w, r, http.StatusForbidden, errors.New("the sign-in form's CSRF token is missing or wrong; reload the sign-in page"))
		return
	}
	now := h.now()
	addr := clientAddress(r)
	keys := []string{"addr:" + addr, "name:" + strings.ToLower(name)}
	for _, k := range keys {
		if wait := h.limiter.retryAfter(k, now); wait > 0 {
			h.log.Warn("sign-in refused: too many failures", "name", name, "address", addr)
			w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
			v.Error = fmt.Sprintf("Too many failed sign-ins. Try again in %s.", wait.Round(time.Minute)+time.Minute)
			h.render(w, r, http.StatusTooManyRequests, "signin", v)
			return
		}
	}
	select {
	case h.hashes <- struct{}{}:
	case <-r.Context().Done():
		return
	}
	admin, err := h.store.CheckAdminPassword(r.Context(), name, r.PostForm.Get("password"))
	<-h.hashes
	if errors.Is(err, model.ErrBadCredentials) {
		for _, k := range keys {
			h.limiter.fail(k, now)
		}
		h.log.Warn("sign-in failed", "name", name, "address", addr)
		v.Error = "Wrong name or password."
		h.render(w, r, http.StatusUnauthorized, "signin", v)
		return
	}
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	for _, k := range keys {
		h.limiter.reset(k)
	}
	if _, err := h.store.PruneAdminSessions(r.Context(), now); err != nil {
		h.log.Warn("prune administrator sessions", "err", err)
	}
	token, _, err := h.store.NewAdminSession(r.Context(), admin.ID, now.Add(sessionLifetime), addr)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	h.log.Info("administrator signed in", "name", admin.Name, "address", addr)
	setCookie(w, signInCookie, "", -1)
	setCookie(w, sessionCookie, token, int(sessionLifetime.Seconds()))
	next := v.Next
	if next == "" {
		next = "/dashboard"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r.Context())
	if err := h.store.EndAdminSession(r.Context(), s.token); err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	h.log.Info("administrator signed out", "name", s.admin.Name)
	setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// localPath keeps a redirect target on this host: a path, not "//evil.example" or a URL.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, `/\`) || strings.ContainsAny(p, "\r\n") {
		return ""
	}
	return p
}

func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
