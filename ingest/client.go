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

// ClientOptions configure NewClient.
type ClientOptions struct {
	// APIURL is the REST API base URL; empty means DefaultAPIURL.
	APIURL string
	// RequestsPerMinute caps the request rate; 0 means
	// DefaultRequestsPerMinute, a negative value means no limit.
	RequestsPerMinute float64
	// MaxRetries is how often one request is retried after a 429, a 5xx, a
	// network error or a body cut short; 0 means 8.
	MaxRetries int
	// MinBackoff and MaxBackoff bound the wait between retries when the
	// server does not say how long to wait; zero means 500 ms and 30 s.
	MinBackoff, MaxBackoff time.Duration
	// Timeout bounds one HTTP attempt, body included; 0 means 60 s.
	Timeout time.Duration
}

// Counters are what a Client has sent so far. Safe for concurrent use.
type Counters struct {
	Requests atomic.Int64 // HTTP attempts sent, retries included
	Retries  atomic.Int64 // attempts that were retries
}

// Client is a go-pagerduty client whose transport paces requests, retries
// transient failures and counts what it sends.
type Client struct {
	PD       *pagerduty.Client
	Counters *Counters
	retry    *retryPolicy

	// apiURL and auth are for the requests go-pagerduty cannot decode
	// leniently (notes.go); auth is the Authorization header value.
	apiURL, auth string
}

// NewClient returns a PagerDuty client for token. The token is only ever
// placed in the Authorization header; it is never logged.
func NewClient(token string, o ClientOptions) *Client {
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
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
	rc := retryablehttp.NewClient()
	rc.Logger = nil // its log lines would carry URLs; ours say enough
	rc.RetryMax = o.MaxRetries
	rc.RetryWaitMin = o.MinBackoff
	rc.RetryWaitMax = o.MaxBackoff
	rc.HTTPClient = &http.Client{
		Timeout: o.Timeout,
		Transport: &pacedTransport{
			base:     base,
			limiter:  rate.NewLimiter(limit, 1),
			counters: counters,
		},
	}
	policy := &retryPolicy{}
	rc.CheckRetry = policy.check
	rc.Backoff = backoff
	rc.ErrorHandler = lastAttempt
	rc.RequestLogHook = func(_ retryablehttp.Logger, _ *http.Request, attempt int) {
		if attempt > 0 {
			counters.Retries.Add(1)
		}
	}
	pd := pagerduty.NewClient(token, pagerduty.WithAPIEndpoint(o.APIURL))
	pd.HTTPClient = rc.StandardClient()
	return &Client{PD: pd, Counters: counters, retry: policy,
		apiURL: strings.TrimSuffix(o.APIURL, "/"), auth: "Token token=" + token}
}

// pacedTransport waits for the rate limiter before each attempt and reads
// the whole body, so that a connection cut mid-body is an error the retry
// loop sees instead of a JSON decode error later.
type pacedTransport struct {
	base     http.RoundTripper
	limiter  *rate.Limiter
	counters *Counters
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
// attempts in a row.
type retryPolicy struct {
	dialFailures atomic.Int64
}

func (p *retryPolicy) check(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			if p.dialFailures.Add(1) >= maxDialFailures {
				return false, nil
			}
		}
		return true, nil
	}
	p.dialFailures.Store(0)
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return true, nil
	}
	return false, nil
}

// backoff honours Retry-After (seconds) and ratelimit-reset (seconds until
// the window resets) on a 429 or 503; otherwise it doubles from min to max.
func backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		for _, h := range []string{"Retry-After", "Ratelimit-Reset"} {
			if s, err := strconv.ParseFloat(resp.Header.Get(h), 64); err == nil && s >= 0 {
				return time.Duration(s * float64(time.Second))
			}
		}
	}
	d := time.Duration(float64(min) * math.Pow(2, float64(attempt)))
	if d > max || d <= 0 {
		d = max
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
		return fmt.Errorf("%w (HTTP 401): check PAGERDUTY_TOKEN", ErrUnauthorized)
	}
	if c.retry.dialFailures.Load() >= maxDialFailures {
		return fmt.Errorf("%w: %v; check --api-url and the network", ErrUnreachable, err)
	}
	return err
}
