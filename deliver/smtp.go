package deliver

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Mail sends e-mail through an SMTP server (submission, port 587 usually).
// The connection is upgraded with STARTTLS before authenticating or
// sending anything; a server that does not offer STARTTLS is refused, so
// the password and the mail never travel in clear text.
type Mail struct {
	Host string
	Port int
	// Username and Password authenticate with AUTH PLAIN; "" Username
	// sends without authenticating. Password is a secret: it never appears
	// in an error.
	Username, Password string
	From               string
	// RootCAs verifies the server's certificate; nil means the system's
	// roots. Tests set it to trust a certificate they made.
	RootCAs *x509.CertPool
	// Timeout bounds one attempt (connect to QUIT); 0 means 60 s.
	Timeout time.Duration
	Retry   Retry
	// Now stamps the Date header; nil means time.Now.
	Now func() time.Time
}

// Message is one e-mail: a plain-text part and an HTML part
// (multipart/alternative), to every address of To.
type Message struct {
	To      []string
	Subject string
	Text    string
	HTML    string
}

// DigestMessage is the mail of d to the addresses to: d's text as the
// plain-text part and, as the HTML part, html when it is not "" (the
// leadership summary of a month, say), else d worded as a small HTML page.
func DigestMessage(d Digest, to []string, html string) Message {
	if html == "" {
		html = d.HTML()
	}
	return Message{To: to, Subject: d.Subject(), Text: d.Text(), HTML: html}
}

// Send sends msg, retrying as m.Retry says.
func (m Mail) Send(ctx context.Context, msg Message) error {
	if len(msg.To) == 0 {
		return fmt.Errorf("%w: mail %q has no recipient", errPermanent, msg.Subject)
	}
	body, err := m.compose(msg)
	if err != nil {
		return err
	}
	return m.Retry.do(ctx, []string{m.Password}, func(ctx context.Context) error {
		return m.sendOnce(ctx, msg.To, body)
	})
}

// sendOnce is one SMTP conversation: EHLO, STARTTLS, AUTH, MAIL, RCPT,
// DATA, QUIT.
func (m Mail) sendOnce(ctx context.Context, to []string, body []byte) error {
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort(m.Host, strconv.Itoa(m.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	c, err := smtp.NewClient(conn, m.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return fmt.Errorf("%w: smtp %s does not offer STARTTLS; refusing to send in clear text", errPermanent, addr)
	}
	if err := c.StartTLS(&tls.Config{ServerName: m.Host, RootCAs: m.RootCAs, MinVersion: tls.VersionTLS12}); err != nil {
		return fmt.Errorf("smtp %s: STARTTLS: %w", addr, err)
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, m.Host)); err != nil {
			return fmt.Errorf("smtp %s: authenticate as %s: %w", addr, m.Username, smtpErr(err))
		}
	}
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return fmt.Errorf("%w: smtp from %q: %w", errPermanent, m.From, err)
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("smtp %s: MAIL FROM: %w", addr, smtpErr(err))
	}
	for _, t := range to {
		a, err := mail.ParseAddress(t)
		if err != nil {
			return fmt.Errorf("%w: smtp to %q: %w", errPermanent, t, err)
		}
		if err := c.Rcpt(a.Address); err != nil {
			return fmt.Errorf("smtp %s: RCPT TO %s: %w", addr, a.Address, smtpErr(err))
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", addr, smtpErr(err))
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", addr, smtpErr(err))
	}
	return c.Quit()
}

// smtpErr marks a 5xx answer (a permanent SMTP failure) as permanent.
func smtpErr(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return fmt.Errorf("%w: %w", errPermanent, err)
	}
	return err
}

// compose writes msg as an RFC 5322 message with a multipart/alternative
// body: text/plain then text/html, both UTF-8, quoted-printable.
func (m Mail) compose(msg Message) ([]byte, error) {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return nil, fmt.Errorf("%w: smtp from %q: %w", errPermanent, m.From, err)
	}
	var id [12]byte
	rand.Read(id[:])
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	h := []struct{ k, v string }{
		{"From", from.String()},
		{"To", strings.Join(msg.To, ", ")},
		{"Subject", mime.QEncoding.Encode("utf-8", msg.Subject)},
		{"Date", now().Format(time.RFC1123Z)},
		{"Message-ID", fmt.Sprintf("<%x@%s>", id, domain)},
		{"MIME-Version", "1.0"},
		{"Content-Type", "multipart/alternative; boundary=" + mw.Boundary()},
	}
	var out bytes.Buffer
	for _, x := range h {
		fmt.Fprintf(&out, "%s: %s\r\n", x.k, x.v)
	}
	out.WriteString("\r\n")
	for _, part := range []struct{ typ, text string }{{"text/plain; charset=utf-8", msg.Text}, {"text/html; charset=utf-8", msg.HTML}} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.typ}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(part.text, "\r\n", "\n"), "\n", "\r\n"))); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	out.Write(b.Bytes())
	return out.Bytes(), nil
}

var digestHTML = template.Must(template.New("digest").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family: sans-serif; max-width: 40em">
<h1 style="font-size: 1.3em">{{.Title}}</h1>
<p>{{.Range}}</p>
<table>{{range .Facts}}<tr><th style="text-align: left; padding-right: 1em">{{.Label}}</th><td>{{.Value}}</td></tr>{{end}}</table>
<h2 style="font-size: 1.1em">Burnout risk: {{.RiskNote}}</h2>
{{if .AtRisk}}<ul>{{range .AtRisk}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Noisy}}<h2 style="font-size: 1.1em">Noisiest alerts</h2><ol>{{range .Noisy}}<li>{{.}}</li>{{end}}</ol>{{end}}
{{if .Link}}<p><a href="{{.Link}}">Open the report</a></p>{{end}}
</body></html>
`))

// HTML is the digest as a small HTML page, every text escaped.
func (d Digest) HTML() string {
	var b strings.Builder
	if err := digestHTML.Execute(&b, d.word()); err != nil {
		return "<p>" + template.HTMLEscapeString(d.Text()) + "</p>"
	}
	return b.String()
}

// scriptRE matches a script element of a page the reports package wrote
// (their text never holds "</script>": html/template escapes it).
var scriptRE = regexp.MustCompile(`(?is)<script\b[^>]*>.*?</script>`)

// stylesheetRE matches the link to the shared stylesheet of a page that
// loads its assets from a directory (reports.Options.AssetsHref), and cspRE
// the page's Content-Security-Policy, which allows only that file.
var (
	stylesheetRE = regexp.MustCompile(`<link rel="stylesheet" href="[^"]*style\.css">`)
	cspRE        = regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="[^"]*">\n?`)
)

// MailHTML is a report page made fit for a mail's HTML part: its script
// elements (ECharts and the chart data) removed, since mail clients run no
// script, and a link to the shared stylesheet replaced by css inline (a
// mail has no folder beside it) along with the page's policy that would
// refuse it. Tables and text stay; charts are left empty.
func MailHTML(page, css string) string {
	page = scriptRE.ReplaceAllString(page, "")
	if stylesheetRE.MatchString(page) {
		page = cspRE.ReplaceAllString(page, "")
		page = stylesheetRE.ReplaceAllLiteralString(page, "<style>"+css+"</style>")
	}
	return page
}
