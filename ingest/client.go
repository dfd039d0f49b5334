package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/PagerDuty/go-pagerduty"
	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"
)

// DefaultAPIURL is PagerDuty's public REST API.
const DefaultAPIURL = "https://api.pagerduty.com"

// DefaultRequestsPerMinute keeps a sync under PagerDuty's limit of 960
// requests per minute per token, with room for other tools sharing it.
const DefaultRequestsPerMinute = 900

// ErrUnauthorized means PagerDuty rejected the API token (HTTP 401).
var ErrUnauthorized = errors.New("PagerDuty rejected the API token")

// ErrUnreachable means no connection to the API could be made at all.
var ErrUnreachable = errors.New("cannot reach the PagerDuty API")

// maxDialFailures is how many connection attempts in a row may fail before
// the API counts as unreachable (a wrong --api-url, no network) instead of
// a passing fault worth the full retry budget.
const maxDialFailures = 4

// EUAPIURL is PagerDuty's REST API in its EU service region.
const EUAPIURL = "https://api.eu.pagerduty.com"

// ClientOptions configure NewClient.
type ClientOptions struct {
	// APIURL is the REST API base URL; empty means DefaultAPIURL. Trailing
	// slashes are dropped (go-pagerduty appends "/users" and so on); a
	// path, as behind a proxy, is kept.
	APIURL string
	// OAuth sends the token as an OAuth access token ("Authorization:
	// Bearer"), for scoped OAuth apps and user OAuth tokens; otherwise it
	// is a REST API key ("Authorization: Token token=").
	OAuth bool
	// TokenVar names where the token came from (an environment variable),
	// for error messages; empty means "the API token".
	TokenVar string
	// RequestsPerMinute caps the request rate; 0 means
	// DefaultRequestsPerMinute, a negative value means no limit.
	RequestsPerMinute float64
	// MaxRetries is how often one request is retried after a 429, a 5xx, a
	// network error or a body cut short; 0 means 8.
	MaxRetries int
	// MinBackoff and MaxBackoff bound the wait between retries when the
	// server does not say how long to wait; zero means 500 ms and 30 s.
	// MinBackoff is also the least wait after a 429, whatever its headers
	// say (ratelimit-reset: 0 must not make a tight loop).
	MinBackoff, MaxBackoff time.Duration
	// RateLimitedFor is how long one request keeps retrying while PagerDuty
	// answers 429 (other tools using the same key share its budget): 429s
	// do not count against MaxRetries, and each one halves the request rate
	// for a while. 0 means 15 minutes.
	RateLimitedFor time.Duration
	// Timeout bounds one HTTP attempt, body included; 0 means 60 s.
	Timeout time.Duration
}

// Counters are what a Client has sent so far. Safe for concurrent use.
type Counters struct {
	Requests atomic.Int64 // HTTP attempts sent, retries included
	Retries  atomic.Int64 // attempts that were retries
	Limited  atomic.Int64 // 429 answers (rate limited)
}

// Client is a go-pagerduty client whose transport paces requests, retries
// transient failures and counts what it sends.
type Client struct {
	PD       *pagerduty.Client
	Counters *Counters
	retry    *retryPolicy
	tokenVar string
	api      *tolerantAPI // what Sync calls: PD's requests, decoded item by item
}

// NewClient returns a PagerDuty client for token. The token is only ever
// placed in the Authorization header; it is never logged.
func NewClient(token string, o ClientOptions) *Client {
	o.APIURL = strings.TrimRight(o.APIURL, "/")
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	if o.TokenVar == "" {
		o.TokenVar = "the API token"
	}
	if o.RateLimitedFor == 0 {
		o.RateLimitedFor = 15 * time.Minute
	}
	if o.RequestsPerMinute == 0 {
		o.RequestsPerMinute = DefaultRequestsPerMinute
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 8
	}
	if o.MinBackoff == 0 {
		o.MinBackoff = 500 * time.Millisecond
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.Timeout == 0 {
		o.Timeout = 60 * time.Second
	}
	counters := &Counters{}
	limit := rate.Inf
	if o.RequestsPerMinute > 0 {
		limit = rate.Limit(o.RequestsPerMinute / 60)
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 16
	paced := &pacedTransport{
		base:     base,
		limiter:  rate.NewLimiter(limit, 1),
		full:     limit,
		counters: counters,
	}
	rc := retryablehttp.NewClient()
	rc.Logger = nil // its log lines would carry URLs; ours say enough
	// The retry count is the policy's (429s apart); this only bounds the
	// loop should the policy never stop.
	rc.RetryMax = math.MaxInt32
	rc.RetryWaitMin = o.MinBackoff
	rc.RetryWaitMax = o.MaxBackoff
	rc.HTTPClient = &http.Client{
		Timeout:   o.Timeout,
		Transport: paced,
	}
	policy := &retryPolicy{maxRetries: o.MaxRetries, limitedFor: o.RateLimitedFor, paced: paced}
	rc.CheckRetry = policy.check
	rc.Backoff = backoff
	rc.ErrorHandler = lastAttempt
	rc.RequestLogHook = func(_ retryablehttp.Logger, _ *http.Request, attempt int) {
		if attempt > 0 {
			counters.Retries.Add(1)
		}
	}
	opts := []pagerduty.ClientOptions{pagerduty.WithAPIEndpoint(o.APIURL)}
	if o.OAuth {
		// Not pagerduty.NewOAuthClient: it drops the endpoint option.
		opts = append(opts, pagerduty.WithOAuth())
	}
	pd := pagerduty.NewClient(token, opts...)
	pd.HTTPClient = &http.Client{Transport: perRequest{rc.StandardClient().Transport}}
	return &Client{PD: pd, Counters: counters, retry: policy, tokenVar: o.TokenVar,
		api: &tolerantAPI{pd: pd, base: o.APIURL, skipped: &skipCounts{}}}
}

// pacedTransport waits for the rate limiter before each attempt and reads
// the whole body, so that a connection cut mid-body is an error the retry
// loop sees instead of a JSON decode error later.
type pacedTransport struct {
	base     http.RoundTripper
	limiter  *rate.Limiter
	full     rate.Limit // the configured rate
	counters *Counters

	mu     sync.Mutex
	slowed time.Time // when the rate was last halved
}

// slowDown halves the request rate after a 429 (another tool is using the
// same budget), down to one request per 4 s.
func (t *pacedTransport) slowDown() {
	t.mu.Lock()
	defer t.mu.Unlock()
	cur := t.limiter.Limit()
	if cur == rate.Inf {
		return // no limit configured (tests, the fake)
	}
	if next := cur / 2; next >= 0.25 {
		t.limiter.SetLimit(next)
	} else {
		t.limiter.SetLimit(0.25)
	}
	t.slowed = time.Now()
}

// recover doubles a slowed rate back toward the configured one, once a
// minute passed without a 429.
func (t *pacedTransport) recover() {
	t.mu.Lock()
	defer t.mu.Unlock()
	cur := t.limiter.Limit()
	if cur >= t.full || time.Since(t.slowed) < time.Minute {
		return
	}
	next := cur * 2
	if next > t.full {
		next = t.full
	}
	t.limiter.SetLimit(next)
	t.slowed = time.Now()
}

func (t *pacedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.limiter.Wait(req.Context()); err != nil {
		return nil, err
	}
	t.counters.Requests.Add(1)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		t.counters.Limited.Add(1)
		t.slowDown()
	} else if resp.StatusCode < 400 {
		t.recover()
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read response body: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// retryPolicy retries network errors, 429 and 5xx, and nothing else. A
// cancelled context stops at once; so do maxDialFailures failed connection
// attempts in a row. Each request may be retried maxRetries times after
// network errors and 5xx; 429s do not count, and a request keeps retrying
// them for limitedFor.
type retryPolicy struct {
	dialFailures atomic.Int64
	maxRetries   int
	limitedFor   time.Duration
	paced        *pacedTransport
}

// attemptsKey marks a request's context with its retry state.
type attemptsKey struct{}

// attempts is one request's retry state (retryablehttp reuses the context
// across attempts).
type attempts struct {
	mu           sync.Mutex
	failures     int       // retried network errors and 5xx
	limitedSince time.Time // first 429 of the current run, zero when none
}

// perRequest gives every request a retry state of its own (the caller's
// context is shared by all the requests of a sync) before the retrying
// transport sees it.
type perRequest struct{ next http.RoundTripper }

func (t perRequest) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.next.RoundTrip(req.WithContext(context.WithValue(req.Context(), attemptsKey{}, &attempts{})))
}

func (p *retryPolicy) check(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	st, _ := ctx.Value(attemptsKey{}).(*attempts)
	if st == nil {
		st = &attempts{} // no per-request state: count this attempt alone
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			if p.dialFailures.Add(1) >= maxDialFailures {
				return false, nil
			}
		}
		st.failures++
		return st.failures <= p.maxRetries, nil
	}
	p.dialFailures.Store(0)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		if st.limitedSince.IsZero() {
			st.limitedSince = time.Now()
		}
		return time.Since(st.limitedSince) < p.limitedFor, nil
	case resp.StatusCode >= 500:
		st.limitedSince = time.Time{}
		st.failures++
		return st.failures <= p.maxRetries, nil
	}
	return false, nil
}

// backoff honours Retry-After (seconds) and ratelimit-reset (seconds until
// the window resets) on a 429 or 503, but waits at least min (a reset of 0
// must not make a tight loop) and at most a minute, PagerDuty's window;
// otherwise it doubles from min to max.
func backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		for _, h := range []string{"Retry-After", "Ratelimit-Reset"} {
			if s, err := strconv.ParseFloat(resp.Header.Get(h), 64); err == nil && s >= 0 {
				return min(max(time.Duration(s*float64(time.Second)), lo), time.Minute)
			}
		}
	}
	d := time.Duration(float64(lo) * math.Pow(2, float64(attempt)))
	if d > hi || d <= 0 {
		d = hi
	}
	return d
}

// lastAttempt is what the client returns when it stops retrying: the last
// response for go-pagerduty to turn into an APIError, or the last error
// alone (net/http complains of a RoundTripper that returns both).
func lastAttempt(resp *http.Response, err error, _ int) (*http.Response, error) {
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, err
	}
	return resp, nil
}

// classify turns go-pagerduty errors a user can act on into sentinels.
// (go-pagerduty formats transport errors with %v, so a dial error is known
// from the retry policy's count, not from the error chain.)
func (c *Client) classify(err error) error {
	if err == nil {
		return nil
	}
	var apiErr pagerduty.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("%w (HTTP 401): check %s", ErrUnauthorized, c.tokenVar)
	}
	if c.retry.dialFailures.Load() >= maxDialFailures {
		return fmt.Errorf("%w: %v; check --api-url and the network", ErrUnreachable, err)
	}
	return err
}
