package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"sinau/services"
)

// The generated participants must pass the app's own validation, or the
// load test would measure 422s.
func TestParticipantsAreValid(t *testing.T) {
	phones := map[string]bool{}
	for i := range 2000 {
		p, ok := services.NormalizePhone(participantPhone(i))
		if !ok {
			t.Fatalf("phone %d %q is refused", i, participantPhone(i))
		}
		phones[p] = true
		if e := participantEmail("abc123", i); !services.ValidEmail(e) || services.NormalizeEmail(e) != e {
			t.Fatalf("email %q is refused or not normalised", e)
		}
	}
	if len(phones) != 2000 {
		t.Errorf("%d distinct phones in 2000, want all distinct", len(phones))
	}
	var body map[string]any
	if err := json.Unmarshal(registrationBody("abc123", 41), &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"name": "Peserta Uji 42", "email": "p42.abc123@loadtest.example", "phone": participantPhone(41),
		"regency_code": "3315", "consent": true}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("body[%q] = %v, want %v", k, body[k], v)
		}
	}
	if len(body) != len(want) {
		t.Errorf("body has %d keys, want %d", len(body), len(want))
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{0.5: 50, 0.9: 90, 0.99: 99, 1: 100, 0: 1} {
		if got := percentile(d, p); got != want {
			t.Errorf("percentile(1..100, %v) = %d, want %d", p, got, want)
		}
	}
	if got := percentile([]time.Duration{7}, 0.99); got != 7 {
		t.Errorf("percentile of one = %d", got)
	}
	if got := percentile(nil, 0.5); got != 0 {
		t.Errorf("percentile of none = %d", got)
	}
}

func TestBaselineSmall(t *testing.T) {
	b, err := runBaseline(context.Background(), 50, t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	if b.rows != 50 || b.rate() <= 0 {
		t.Errorf("baseline = %+v", b)
	}
}

func TestCheckRefusesRemote(t *testing.T) {
	for _, u := range []string{"http://example.com:8097", "http://10.0.0.1:8097", "ftp://127.0.0.1"} {
		o := options{n: 1, c: 1, url: u, runs: 1}
		if o.check("registrations") == nil {
			t.Errorf("%s accepted", u)
		}
	}
	o := options{n: 1, c: 1, url: "http://127.0.0.1:8097/", runs: 1}
	if err := o.check("all"); err != nil || o.url != "http://127.0.0.1:8097" {
		t.Errorf("loopback refused or not trimmed: %v %q", err, o.url)
	}
}
