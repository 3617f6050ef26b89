// Package config reads Sinau's settings from SINAU_* environment variables
// and matching command-line flags, and validates them once at start-up so a
// misconfigured server refuses to start instead of failing on a user's click.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is the validated configuration of one Sinau process.
type Config struct {
	Addr           string
	DataDir        string
	BaseURL        *url.URL
	SMTPURL        *url.URL // nil: mail is kept in the database only
	MailFrom       *mail.Address
	TrustedProxies []*net.IPNet
	AdminEmail     string
	AdminPassword  string
	RegisterRate   int
	MailWorkers    int
	MailRate       float64
	MailHourlyCap  int
	SchedulerEvery time.Duration
	UploadMaxMB    int
}

// SecureCookies reports whether cookies must carry the Secure flag: only when
// the public URL is https, so that plain-http development still works.
func (c *Config) SecureCookies() bool { return c.BaseURL.Scheme == "https" }

// DBPath is the SQLite file inside the data directory.
func (c *Config) DBPath() string { return strings.TrimRight(c.DataDir, "/") + "/sinau.db" }

// UploadDir is where uploaded files live, under generated names.
func (c *Config) UploadDir() string { return strings.TrimRight(c.DataDir, "/") + "/uploads" }

// setting is one SINAU_* variable with its flag.
type setting struct {
	env, flag, def, help string
}

var settings = []setting{
	{"SINAU_ADDR", "addr", ":8080", "address the HTTP server listens on"},
	{"SINAU_DATA_DIR", "data-dir", "./data", "directory for the SQLite database and uploads"},
	{"SINAU_BASE_URL", "base-url", "http://localhost:8080", "public URL of this server, used for every link in mail"},
	{"SINAU_SMTP_URL", "smtp-url", "", "SMTP server, e.g. smtp://user:pass@host:587 (smtps:// for implicit TLS); empty keeps mail in the database"},
	{"SINAU_MAIL_FROM", "mail-from", "Sinau <noreply@localhost>", "sender address of outgoing mail"},
	{"SINAU_TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For is trusted; empty: the socket peer is the client"},
	{"SINAU_ADMIN_EMAIL", "admin-email", "", "email of the first admin, created at start when no organizer exists"},
	{"SINAU_ADMIN_PASSWORD", "admin-password", "", "password of that first admin (at least 10 characters)"},
	{"SINAU_REGISTER_RATE", "register-rate", "20", "registrations per minute per client IP; 0 turns the limit off"},
	{"SINAU_MAIL_WORKERS", "mail-workers", "10", "number of concurrent SMTP connections sending mail"},
	{"SINAU_MAIL_RATE", "mail-rate", "0", "messages per second across all senders; 0 means no limit"},
	{"SINAU_MAIL_HOURLY_CAP", "mail-hourly-cap", "0", "most messages sent in any hour, for providers that limit; 0 means no cap"},
	{"SINAU_SCHEDULER_INTERVAL", "scheduler-interval", "10s", "how often due reminders and other scheduled work are looked for"},
	{"SINAU_UPLOAD_MAX_MB", "upload-max-mb", "50", "largest accepted upload in megabytes"},
}

// ErrHelp is returned when --help was asked for; usage has been printed.
var ErrHelp = flag.ErrHelp

// Load builds the configuration from args (without the program name and
// subcommand) and the environment lookup function. Flags win over the
// environment, which wins over defaults. Usage goes to out.
func Load(name string, args []string, getenv func(string) string, out io.Writer) (*Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	values := make(map[string]*string, len(settings))
	for _, s := range settings {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		values[s.env] = fs.String(s.flag, def, fmt.Sprintf("%s (env %s)", s.help, s.env))
	}
	// Usage is printed for --help only; any other flag error is one line
	// from the caller.
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(out)
			fmt.Fprintf(out, "Usage: %s [demo] [flags]\n\n  demo    load demonstration webinars and a demo organizer, then exit\n\nEvery flag can also be set through its environment variable.\n\n", name)
			fs.PrintDefaults()
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return build(func(env string) string { return strings.TrimSpace(*values[env]) })
}

func build(get func(string) string) (*Config, error) {
	c := &Config{Addr: get("SINAU_ADDR"), DataDir: get("SINAU_DATA_DIR")}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return nil, fmt.Errorf("SINAU_ADDR %q is not host:port", c.Addr)
	}
	if c.DataDir == "" {
		return nil, errors.New("SINAU_DATA_DIR must not be empty")
	}
	base, err := url.Parse(get("SINAU_BASE_URL"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("SINAU_BASE_URL %q must be an absolute http(s) URL without query", get("SINAU_BASE_URL"))
	}
	base.Path = strings.TrimRight(base.Path, "/")
	c.BaseURL = base
	if raw := get("SINAU_SMTP_URL"); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			return nil, errors.New("SINAU_SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465")
		}
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				return nil, errors.New("SINAU_SMTP_URL has an invalid port")
			}
		}
		c.SMTPURL = u
	}
	from, err := mail.ParseAddress(get("SINAU_MAIL_FROM"))
	if err != nil {
		return nil, fmt.Errorf("SINAU_MAIL_FROM %q is not a mail address", get("SINAU_MAIL_FROM"))
	}
	c.MailFrom = from
	if c.TrustedProxies, err = parseNets(get("SINAU_TRUSTED_PROXIES")); err != nil {
		return nil, err
	}
	c.AdminEmail = strings.ToLower(get("SINAU_ADMIN_EMAIL"))
	c.AdminPassword = get("SINAU_ADMIN_PASSWORD")
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		return nil, errors.New("SINAU_ADMIN_EMAIL and SINAU_ADMIN_PASSWORD must be set together")
	}
	if c.AdminEmail != "" {
		if a, err := mail.ParseAddress(c.AdminEmail); err != nil || a.Address != c.AdminEmail {
			return nil, fmt.Errorf("SINAU_ADMIN_EMAIL %q is not a mail address", c.AdminEmail)
		}
		if len([]rune(c.AdminPassword)) < 10 {
			return nil, errors.New("SINAU_ADMIN_PASSWORD must have at least 10 characters")
		}
	}
	if c.RegisterRate, err = intIn(get, "SINAU_REGISTER_RATE", 0, 1_000_000); err != nil {
		return nil, err
	}
	if c.MailWorkers, err = intIn(get, "SINAU_MAIL_WORKERS", 1, 64); err != nil {
		return nil, err
	}
	if c.MailHourlyCap, err = intIn(get, "SINAU_MAIL_HOURLY_CAP", 0, 10_000_000); err != nil {
		return nil, err
	}
	if c.UploadMaxMB, err = intIn(get, "SINAU_UPLOAD_MAX_MB", 1, 2048); err != nil {
		return nil, err
	}
	if c.MailRate, err = strconv.ParseFloat(get("SINAU_MAIL_RATE"), 64); err != nil || c.MailRate < 0 {
		return nil, errors.New("SINAU_MAIL_RATE must be a number ≥ 0")
	}
	if c.SchedulerEvery, err = time.ParseDuration(get("SINAU_SCHEDULER_INTERVAL")); err != nil || c.SchedulerEvery < 100*time.Millisecond || c.SchedulerEvery > 15*time.Second {
		return nil, errors.New("SINAU_SCHEDULER_INTERVAL must be a duration between 100ms and 15s")
	}
	return c, nil
}

func intIn(get func(string) string, env string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(get(env))
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be a whole number from %d to %d", env, lo, hi)
	}
	return n, nil
}

func parseNets(raw string) ([]*net.IPNet, error) {
	var nets []*net.IPNet
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			ip := net.ParseIP(part)
			if ip == nil {
				return nil, fmt.Errorf("SINAU_TRUSTED_PROXIES: %q is not an IP or CIDR", part)
			}
			bits := 128
			if ip.To4() != nil {
				bits = 32
			}
			part = fmt.Sprintf("%s/%d", part, bits)
		}
		_, n, err := net.ParseCIDR(part)
		if err != nil {
			return nil, fmt.Errorf("SINAU_TRUSTED_PROXIES: %q is not an IP or CIDR", part)
		}
		nets = append(nets, n)
	}
	return nets, nil
}
