package web

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// sameSite refuses requests that a page from elsewhere could make the
// user's browser send: to every route, a Host header that does not name
// this server (a DNS-rebinding page's own name) is answered with 421, and
// an Origin header that is not this server's own page with 403. Names this
// server goes by are the address it was reached at and the loopback names
// (localhost, 127.0.0.1, [::1]), each with the port it serves.
//
// /api/run also takes only content types a browser must ask permission
// for (a CORS preflight, which this server never grants) before sending
// them from another page; see readRequest.
func (s *server) sameSite(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip, port, ok := servedAt(r)
		if !ok {
			s.fail(w, r, &apiError{status: http.StatusMisdirectedRequest, Msg: "this server cannot tell the address it serves, so it answers nothing"})
			return
		}
		here := "http://" + net.JoinHostPort(ip.String(), port)
		if !ourHost(r.Host, ip, port) {
			s.fail(w, r, &apiError{status: http.StatusMisdirectedRequest,
				Msg: fmt.Sprintf("request for host %q: this server answers only as %s or http://localhost:%s", r.Host, here, port)})
			return
		}
		if origins, sent := r.Header["Origin"]; sent && (len(origins) != 1 || !ourOrigin(origins[0], ip, port)) {
			s.fail(w, r, &apiError{status: http.StatusForbidden,
				Msg: fmt.Sprintf("request from a page at %q: this server answers only its own page, %s", strings.Join(origins, ", "), here)})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// servedAt returns the address and port r came in on, as net/http
// records them.
func servedAt(r *http.Request) (net.IP, string, bool) {
	addr, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if addr == nil {
		return nil, "", false
	}
	host, port, err := net.SplitHostPort(addr.String())
	ip := net.ParseIP(host)
	if err != nil || ip == nil {
		return nil, "", false
	}
	return ip, port, true
}

// ourHost reports whether hostport, a Host header or an origin's host,
// names this server: served on ip and port, it goes by ip and by the
// loopback names, with its port (which may be left out if it is 80).
func ourHost(hostport string, ip net.IP, port string) bool {
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		host, p = strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]"), "80"
	}
	if p != port {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a := net.ParseIP(host)
	return a != nil && (a.IsLoopback() || a.Equal(ip))
}

// ourOrigin reports whether origin, an Origin header, is this server's
// own page: http, and a host ourHost accepts.
func ourOrigin(origin string, ip net.IP, port string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Scheme == "http" && u.Opaque == "" && u.User == nil &&
		u.Path == "" && u.RawQuery == "" && u.Fragment == "" && ourHost(u.Host, ip, port)
}
