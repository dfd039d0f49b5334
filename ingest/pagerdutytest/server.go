package pagerdutytest

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a Server.
type Options struct {
	// Token is the required API token: requests without
	// `Authorization: Token token=<Token>` get 401 (code 2006).
	Token string
	// OAuthToken, when set, is an OAuth access token the fake accepts as
	// `Authorization: Bearer <OAuthToken>` (as PagerDuty does for scoped
	// OAuth apps and user tokens), besides Token.
	OAuthToken string
	// Faults to inject; the zero value injects none.
	Faults Faults
	// Shapes of real accounts to present (accounts.go); the zero value
	// presents none.
	Shapes Shapes
	// Now is the fake's clock, used for default since/until; nil means
	// time.Now.
	Now func() time.Time
}

// FaultKind names an injected failure.
type FaultKind string

// Fault kinds.
const (
	Fault429  FaultKind = "429"  // 429 with Retry-After and ratelimit-* headers
	Fault500  FaultKind = "500"  // 500 with a JSON error body
	Fault502  FaultKind = "502"  // 502 with an HTML body, as from a load balancer
	Fault503  FaultKind = "503"  // 503 with a plain-text body and Retry-After
	FaultSlow FaultKind = "slow" // the normal response after SlowDelay
	FaultCut  FaultKind = "cut"  // 200 whose body stops half-way: the connection is closed
)

// AllFaultKinds lists every fault kind, the default draw set.
var AllFaultKinds = []FaultKind{Fault429, Fault500, Fault502, Fault503, FaultSlow, FaultCut}

// Faults says which failures to inject. Each request draws from a random
// sequence seeded with Seed: with probability Rate it fails with one of Kinds
// (all kinds when empty), chosen uniformly. The sequence of draws is
// deterministic; which request gets which draw follows arrival order.
type Faults struct {
	Seed       int64
	Rate       float64       // fraction of requests that fail, 0..1
	Kinds      []FaultKind   // empty: all kinds
	RetryAfter time.Duration // sent with 429 (whole seconds, at least 1 s)
	SlowDelay  time.Duration // delay of a slow response; 0 means 2 s
}

// RateLimitPerMinute is the ratelimit-limit header value sent with 429s
// (PagerDuty's 960 requests per minute).
const RateLimitPerMinute = 960

// Server is the fake PagerDuty REST API. It implements http.Handler and is
// safe for concurrent use.
type Server struct {
	org  *Org
	opts Options

	fmu    sync.Mutex
	faults Faults
	frng   *rand.Rand

	rmu  sync.Mutex
	reqs map[string]int64

	mux *http.ServeMux
}

// NewServer serves org.
func NewServer(org *Org, opts Options) *Server {
	s := &Server{org: org, opts: opts, reqs: map[string]int64{}}
	s.mux = s.routes()
	s.SetFaults(opts.Faults)
	return s
}

// SetFaults replaces the fault configuration and restarts its random
// sequence.
func (s *Server) SetFaults(f Faults) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.faults = f
	s.frng = rand.New(rand.NewPCG(splitmix(uint64(f.Seed)), 0xFA017))
}

// Requests returns how many requests each endpoint got, keyed like
// "GET /incidents" or "GET /incidents/{id}/alerts" (unknown paths under
// "GET /unknown"). Every request counts, failed ones too.
func (s *Server) Requests() map[string]int64 {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	out := make(map[string]int64, len(s.reqs))
	for k, v := range s.reqs {
		out[k] = v
	}
	return out
}

// Append extends the organisation's history by days more days; End moves on
// and events of older incidents that happen in the new days appear.
func (s *Server) Append(days int) { s.org.append(days) }

// Start serves s on addr (e.g. "127.0.0.1:0") in the background and returns
// its base URL (for pagerduty.WithAPIEndpoint) and a function that stops it.
func (s *Server) Start(addr string) (baseURL string, stop func() error, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return "http://" + ln.Addr().String(), hs.Close, nil
}

// Org returns the organisation served.
func (s *Server) Org() *Org { return s.org }

func (s *Server) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

func (s *Server) drawFault() FaultKind {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	f := s.faults
	x := s.frng.Float64()
	kinds := f.Kinds
	if len(kinds) == 0 {
		kinds = AllFaultKinds
	}
	k := kinds[s.frng.IntN(len(kinds))]
	if x < f.Rate {
		return k
	}
	return ""
}

// endpoint answers one authorised GET (or an analytics POST) with a JSON body or an API error; it
// reads the organisation under its read lock.
type endpoint func(r *http.Request) ([]byte, *apiError)

// routes returns the fake's router: each endpoint under its http.ServeMux
// pattern, which is also its key in Requests, with or without a trailing
// slash. Any other path or method is "<METHOD> /unknown", a 404.
func (s *Server) routes() *http.ServeMux {
	query := func(h func(url.Values) ([]byte, *apiError)) endpoint {
		return func(r *http.Request) ([]byte, *apiError) { return h(r.URL.Query()) }
	}
	byID := func(h func(url.Values, string) ([]byte, *apiError)) endpoint {
		return func(r *http.Request) ([]byte, *apiError) { return h(r.URL.Query(), r.PathValue("id")) }
	}
	mux := http.NewServeMux()
	for pattern, h := range map[string]endpoint{
		"GET /users":                      query(s.listUsers),
		"GET /teams":                      query(s.listTeams),
		"GET /services":                   query(s.listServices),
		"GET /escalation_policies":        query(s.listPolicies),
		"GET /incidents":                  query(s.listIncidents),
		"GET /incidents/{id}":             byID(s.getIncident),
		"GET /incidents/{id}/alerts":      byID(s.listAlerts),
		"GET /incidents/{id}/log_entries": byID(s.listIncidentLogs),
		"GET /incidents/{id}/notes":       byID(s.listNotes),
		"GET /log_entries":                query(s.listLogEntries),
		"GET /oncalls":                    query(s.listOncalls),
		"GET /notifications":              query(s.listNotifications),
	} {
		serve := func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet { // a GET pattern matches HEAD too
				s.serve(w, r, r.Method+" /unknown", notFound)
				return
			}
			s.serve(w, r, pattern, h)
		}
		mux.HandleFunc(pattern, serve)
		mux.HandleFunc(pattern+"/{$}", serve)
	}
	// The Analytics API (analytics.go): POST with a JSON body of filters.
	for pattern, h := range map[string]endpoint{
		"POST /analytics/metrics/incidents/all":   s.analyticsIncidentsAll,
		"POST /analytics/metrics/incidents/teams": s.analyticsIncidentsTeams,
		"POST /analytics/metrics/responders/all":  s.analyticsResponders,
	} {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, pattern, h) })
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, r.Method+" /unknown", notFound)
	})
	return mux
}

var notFoundBody = (&apiError{code: 2100, message: "Not Found"}).body()

func notFound(*http.Request) ([]byte, *apiError) {
	return nil, &apiError{status: http.StatusNotFound, code: 2100, message: "Not Found"}
}

// apiError is a PagerDuty error response.
type apiError struct {
	status  int
	code    int
	message string
	errors  []string
}

func (e *apiError) body() []byte {
	b := []byte(`{"error":{"message":`)
	b = appendStr(b, e.message)
	if e.code != 0 {
		b = append(b, `,"code":`...)
		b = strconv.AppendInt(b, int64(e.code), 10)
	}
	if len(e.errors) > 0 {
		b = append(b, `,"errors":[`...)
		for i, m := range e.errors {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendStr(b, m)
		}
		b = append(b, ']')
	}
	return append(b, "}}"...)
}

func invalid(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: 2001, message: "Invalid Input Provided", errors: []string{msg}}
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// serve counts a request under key, checks its token, injects the fault
// drawn for it and answers it with ep.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, key string, ep endpoint) {
	s.rmu.Lock()
	s.reqs[key]++
	s.rmu.Unlock()

	if !s.authorized(r.Header.Get("Authorization")) {
		writeJSON(w, http.StatusUnauthorized, (&apiError{code: 2006, message: "Invalid Credentials",
			errors: []string{"Authentication is required: send Authorization: Token token=<api key>"}}).body())
		return
	}
	switch s.drawFault() {
	case Fault429:
		s.fmu.Lock()
		ra := int(s.faults.RetryAfter / time.Second)
		s.fmu.Unlock()
		if ra < 1 {
			ra = 1
		}
		h := w.Header()
		h.Set("Retry-After", strconv.Itoa(ra))
		h.Set("ratelimit-limit", strconv.Itoa(RateLimitPerMinute))
		h.Set("ratelimit-remaining", "0")
		h.Set("ratelimit-reset", strconv.Itoa(ra))
		writeJSON(w, http.StatusTooManyRequests, (&apiError{code: 2020, message: "Rate Limit Exceeded"}).body())
		return
	case Fault500:
		writeJSON(w, http.StatusInternalServerError, (&apiError{message: "Internal Server Error"}).body())
		return
	case Fault502:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n"))
		return
	case Fault503:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("Service Unavailable\n"))
		return
	case FaultSlow:
		s.fmu.Lock()
		d := s.faults.SlowDelay
		s.fmu.Unlock()
		if d <= 0 {
			d = 2 * time.Second
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	case FaultCut:
		status, body := s.answer(r, key, ep)
		if status != http.StatusOK || !cutBody(w, body) {
			writeJSON(w, status, body)
		}
		return
	}
	status, body := s.answer(r, key, ep)
	writeJSON(w, status, body)
}

// answer is handle with the account shapes of s.opts applied.
func (s *Server) answer(r *http.Request, key string, ep endpoint) (int, []byte) {
	sh := s.opts.Shapes
	if strings.HasPrefix(key, "POST /analytics/") && sh.NoAnalytics != 0 {
		return sh.NoAnalytics, sh.noAnalyticsError().body()
	}
	if key == "GET /teams" && sh.NoTeams != 0 {
		return sh.NoTeams, sh.noTeamsError().body()
	}
	if n := sh.ManyAlerts.Number; key == "GET /incidents/{id}/alerts" && n > 0 &&
		r.PathValue("id") == s.org.incID.encode(uint64(n-1)) {
		return s.manyAlerts(r)
	}
	status, body := s.handle(r, ep)
	if status == http.StatusOK && sh.on() {
		body = s.shape(key, r, body)
	}
	return status, body
}

func (s *Server) authorized(h string) bool {
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		return tok != "" && tok == s.opts.OAuthToken
	}
	tok, ok := strings.CutPrefix(h, "Token token=")
	return ok && tok != "" && tok == s.opts.Token
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// cutBody announces the whole body but sends half of it, then closes the
// connection. It returns false when the connection cannot be hijacked.
func cutBody(w http.ResponseWriter, body []byte) bool {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return false
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return false
	}
	defer conn.Close()
	bw := bufio.NewWriter(conn)
	_ = buf
	fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", len(body))
	_, _ = bw.Write(body[:len(body)/2])
	_ = bw.Flush()
	return true
}

// handle answers one authorised request with h: a status and a JSON body.
func (s *Server) handle(r *http.Request, h endpoint) (int, []byte) {
	o := s.org
	o.mu.RLock()
	defer o.mu.RUnlock()
	b, err := h(r)
	if err != nil {
		if err.status == 0 {
			err.status = http.StatusBadRequest
		}
		return err.status, err.body()
	}
	return http.StatusOK, b
}
