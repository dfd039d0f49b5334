// Package delivertest serves fakes of the channels package deliver sends
// to, on 127.0.0.1, for tests: a real SMTP server (github.com/emersion/go-smtp)
// that offers STARTTLS with a self-signed certificate made at start and
// accepts AUTH PLAIN only over TLS, and an HTTP receiver for Slack incoming
// webhooks and the generic webhook. Each records what it received.
package delivertest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one message the SMTP server accepted.
type Mail struct {
	From     string
	To       []string
	Data     []byte // the message as sent: headers and body
	Username string // who authenticated ("" for nobody)
	TLS      bool   // the session was upgraded with STARTTLS
}

// SMTPServer is a running SMTP server on 127.0.0.1.
type SMTPServer struct {
	Host string // "127.0.0.1"
	Port int
	// CertPEM is the server's self-signed certificate (for 127.0.0.1 and
	// localhost), to trust in the client.
	CertPEM  []byte
	Username string
	Password string

	srv  *smtp.Server
	mu   sync.Mutex
	mail []Mail
	// fail, while > 0, answers that many DATA commands with a 451 error.
	fail int
}

// NewSMTPServer starts a server accepting username/password (AUTH PLAIN,
// after STARTTLS only). withTLS false starts one that offers no STARTTLS.
// Close it when done.
func NewSMTPServer(username, password string, withTLS bool) (*SMTPServer, error) {
	s := &SMTPServer{Host: "127.0.0.1", Username: username, Password: password}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, c: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = discardLogger{}
	if withTLS {
		cert, pemBytes, err := selfSigned()
		if err != nil {
			return nil, err
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.CertPEM = pemBytes
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	s.srv = srv
	go srv.Serve(l)
	return s, nil
}

// Close stops the server.
func (s *SMTPServer) Close() error { return s.srv.Close() }

// Mail returns the messages accepted so far.
func (s *SMTPServer) Mail() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mail...)
}

// FailNext makes the next n DATA commands fail with 451 (a temporary error).
func (s *SMTPServer) FailNext(n int) {
	s.mu.Lock()
	s.fail = n
	s.mu.Unlock()
}

// CertPool is a pool holding the server's certificate.
func (s *SMTPServer) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(s.CertPEM)
	return p
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...interface{}) {}
func (discardLogger) Println(...interface{})        {}

type session struct {
	s    *SMTPServer
	c    *smtp.Conn
	user string
	from string
	to   []string
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != x.s.Username || password != x.s.Password {
			return errors.New("invalid credentials")
		}
		x.user = username
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.Username != "" && x.user == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.fail > 0 {
		x.s.fail--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	_, isTLS := x.c.TLSConnectionState()
	x.s.mail = append(x.s.mail, Mail{From: x.from, To: x.to, Data: b, Username: x.user, TLS: isTLS})
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and localhost, valid for a day.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "oncall-health test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pemBytes, nil
}

// Post is one request a Receiver got.
type Post struct {
	Path        string
	ContentType string
	Body        []byte
}

// Receiver records POSTs (Slack incoming webhooks, the generic webhook).
type Receiver struct {
	*httptest.Server
	mu    sync.Mutex
	posts []Post
	// fail, while > 0, answers that many requests with 503.
	fail int
	// before and after are how long each answer waits before and after
	// the request is recorded.
	before, after time.Duration
}

// NewReceiver starts a receiver on 127.0.0.1; it answers "ok" as Slack does.
func NewReceiver() *Receiver {
	r := &Receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if d := r.before; d > 0 {
			// A sender that dies meanwhile has delivered nothing.
			r.mu.Unlock()
			select {
			case <-time.After(d):
			case <-req.Context().Done():
			}
			r.mu.Lock()
			if req.Context().Err() != nil {
				return
			}
		}
		if req.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		if r.fail > 0 {
			r.fail--
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		r.posts = append(r.posts, Post{Path: req.URL.Path, ContentType: req.Header.Get("Content-Type"), Body: bytes.Clone(b)})
		if d := r.after; d > 0 {
			r.mu.Unlock()
			time.Sleep(d)
			r.mu.Lock()
		}
		fmt.Fprint(w, "ok")
	}))
	return r
}

// Posts returns the requests received so far.
func (r *Receiver) Posts() []Post {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Post(nil), r.posts...)
}

// SetDelay makes every request wait before until it is recorded (a
// sender killed in that time has sent nothing) and after before it is
// answered (a sender killed then has sent a message it did not see
// accepted).
func (r *Receiver) SetDelay(before, after time.Duration) {
	r.mu.Lock()
	r.before, r.after = before, after
	r.mu.Unlock()
}

// FailNext answers the next n requests with 503.
func (r *Receiver) FailNext(n int) {
	r.mu.Lock()
	r.fail = n
	r.mu.Unlock()
}
