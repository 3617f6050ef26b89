package config

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load("sinau", nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || c.BaseURL.String() != "http://localhost:8080" {
		t.Errorf("defaults: %+v", c)
	}
	if c.SMTPURL != nil || c.RegisterRate != 20 || c.SchedulerEvery != 10*time.Second || c.UploadMaxMB != 50 {
		t.Errorf("defaults: %+v", c)
	}
	if c.SecureCookies() {
		t.Error("http base URL must not force Secure cookies")
	}
}

func TestLoadPrecedence(t *testing.T) {
	c, err := Load("sinau", []string{"--addr", "127.0.0.1:9000"}, env(map[string]string{
		"SINAU_ADDR": ":7000", "SINAU_BASE_URL": "https://sinau.example.id/", "SINAU_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16",
		"SINAU_SMTP_URL": "smtp://u:p@mail.example.id:587",
	}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" {
		t.Errorf("flag must win over env, got %q", c.Addr)
	}
	if c.BaseURL.String() != "https://sinau.example.id" || !c.SecureCookies() {
		t.Errorf("base URL %q secure=%v", c.BaseURL, c.SecureCookies())
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[0].String() != "10.0.0.1/32" {
		t.Errorf("proxies %v", c.TrustedProxies)
	}
	if c.SMTPURL.Hostname() != "mail.example.id" {
		t.Errorf("smtp %v", c.SMTPURL)
	}
}

func TestLoadRejectsBadValues(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"addr", map[string]string{"SINAU_ADDR": "8080"}, nil, "SINAU_ADDR"},
		{"base url scheme", map[string]string{"SINAU_BASE_URL": "ftp://x"}, nil, "SINAU_BASE_URL"},
		{"base url relative", map[string]string{"SINAU_BASE_URL": "/sinau"}, nil, "SINAU_BASE_URL"},
		{"smtp scheme", map[string]string{"SINAU_SMTP_URL": "http://mail"}, nil, "SINAU_SMTP_URL"},
		{"smtp port", map[string]string{"SINAU_SMTP_URL": "smtp://mail:99999"}, nil, "SINAU_SMTP_URL"},
		{"from", map[string]string{"SINAU_MAIL_FROM": "not an address"}, nil, "SINAU_MAIL_FROM"},
		{"proxy", map[string]string{"SINAU_TRUSTED_PROXIES": "10.0.0.0/33"}, nil, "SINAU_TRUSTED_PROXIES"},
		{"admin half", map[string]string{"SINAU_ADMIN_EMAIL": "a@b.id"}, nil, "SINAU_ADMIN_PASSWORD"},
		{"admin short", map[string]string{"SINAU_ADMIN_EMAIL": "a@b.id", "SINAU_ADMIN_PASSWORD": "short"}, nil, "10 characters"},
		{"rate", map[string]string{"SINAU_REGISTER_RATE": "-1"}, nil, "SINAU_REGISTER_RATE"},
		{"interval", map[string]string{"SINAU_SCHEDULER_INTERVAL": "1m"}, nil, "SINAU_SCHEDULER_INTERVAL"},
		{"unknown flag", nil, []string{"--nope"}, "not defined"},
		{"stray arg", nil, []string{"extra"}, "unexpected argument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := Load("sinau", tc.args, env(tc.env), &out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got %v", tc.want, err)
			}
			if out.Len() != 0 {
				t.Errorf("a bad value must give one line, not usage; printed %q", out.String())
			}
		})
	}
}

func TestHelpListsEveryVariable(t *testing.T) {
	var out bytes.Buffer
	_, err := Load("sinau", []string{"--help"}, env(nil), &out)
	if !errors.Is(err, ErrHelp) {
		t.Fatalf("want ErrHelp, got %v", err)
	}
	for _, s := range settings {
		if !strings.Contains(out.String(), s.env) || !strings.Contains(out.String(), "-"+s.flag) {
			t.Errorf("--help lacks %s / -%s", s.env, s.flag)
		}
	}
}
