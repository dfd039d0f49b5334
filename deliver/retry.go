package deliver

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Retry is how a Send tries again: up to Attempts attempts, waiting
// Backoff after the first failure and twice as long after each next one.
// The zero value means 4 attempts from 2 s (2 s, 4 s, 8 s: 14 s of waiting).
type Retry struct {
	Attempts int
	Backoff  time.Duration
}

// errPermanent marks a failure that another attempt cannot mend (a 4xx
// answer other than 429, say).
var errPermanent = errors.New("permanent")

// do runs attempt until it succeeds, fails permanently, ctx ends or the
// attempts are spent; it returns the last error, redacted of secrets.
func (r Retry) do(ctx context.Context, secrets []string, attempt func(context.Context) error) error {
	n, wait := r.Attempts, r.Backoff
	if n <= 0 {
		n = 4
	}
	if wait <= 0 {
		wait = 2 * time.Second
	}
	var err error
	for i := 0; i < n; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return redact(fmt.Errorf("%w (after %d attempts: %w)", ctx.Err(), i, err), secrets)
			case <-time.After(wait):
			}
			wait *= 2
		}
		if err = attempt(ctx); err == nil {
			return nil
		}
		if errors.Is(err, errPermanent) || ctx.Err() != nil {
			break
		}
	}
	if n > 1 && !errors.Is(err, errPermanent) && ctx.Err() == nil {
		err = fmt.Errorf("%w (%d attempts)", err, n)
	}
	return redact(err, secrets)
}

// redactedError is an error whose text had its secrets replaced. It
// unwraps only to the sentinel it stood for (context.Canceled,
// context.DeadlineExceeded or errPermanent), never to the error whose text
// held the secret.
type redactedError struct {
	msg  string
	kind error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.kind }

// redact replaces every secret (and, for a URL, its path and query: the
// part that is the secret of a webhook URL, which Go's errors quote) in
// err's text by "[redacted]".
func redact(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		msg = strings.ReplaceAll(msg, s, "[redacted]")
		if u, perr := url.Parse(s); perr == nil && u.Host != "" {
			for _, part := range []string{u.EscapedPath(), u.Path, u.RawQuery} {
				if len(part) > 1 {
					msg = strings.ReplaceAll(msg, part, "/[redacted]")
				}
			}
		}
	}
	var kind error
	for _, k := range []error{context.Canceled, context.DeadlineExceeded, errPermanent} {
		if errors.Is(err, k) {
			kind = k
		}
	}
	return &redactedError{msg: msg, kind: kind}
}
