package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
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
	b, err := runBaseline(context.Background(), 50, t.TempDir(), false, 10000)
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

// fakeAPI answers the four endpoints loadgen uses. With overbook set it
// registers one participant more than the capacity allows.
func fakeAPI(t *testing.T, capacity int, overbook bool) *httptest.Server {
	var mu sync.Mutex
	registered, waitlisted, nextID := 0, 0, 0
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/tokens", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":1,"token":"tok"}`)
	})
	mux.HandleFunc("POST /api/v1/webinars", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":7,"status":"published"}`)
	})
	mux.HandleFunc("POST /api/v1/webinars/7/registrations", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		nextID++
		w.WriteHeader(http.StatusCreated)
		limit := capacity
		if overbook {
			limit++
		}
		if registered < limit {
			registered++
			fmt.Fprintf(w, `{"id":%d,"status":"registered","waitlist_position":null}`, nextID)
			return
		}
		waitlisted++
		fmt.Fprintf(w, `{"id":%d,"status":"waitlisted","waitlist_position":%d}`, nextID, waitlisted)
	})
	mux.HandleFunc("GET /api/v1/webinars/7/registrations", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		total := registered
		if r.URL.Query().Get("status") == "waitlisted" {
			total = waitlisted
		}
		fmt.Fprintf(w, `{"items":[],"total":%d}`, total)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestRegistrationsChecks(t *testing.T) {
	for _, overbook := range []bool{false, true} {
		srv := fakeAPI(t, 30, overbook)
		o := options{url: srv.URL, n: 100, c: 8, capacity: 30, timeout: 5 * time.Second, maxTime: time.Minute, runs: 1}
		if err := o.check("registrations"); err != nil {
			t.Fatal(err)
		}
		r, err := runRegistrations(context.Background(), &o, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.latencies) != 100 || r.errors() != 0 || r.registered+r.waitlisted != 100 {
			t.Errorf("overbook=%v: %d sent, %d errors, %d+%d", overbook, len(r.latencies), r.errors(), r.registered, r.waitlisted)
		}
		if got := r.verdict() != nil; got != overbook {
			t.Errorf("overbook=%v: verdict %v, problems %q", overbook, r.verdict(), r.problems)
		}
	}
}

func TestRecordBadBody(t *testing.T) {
	res := workerResult{byStatus: map[int]int{}}
	res.record(0, http.StatusCreated, []byte(`{"id":1,"status":"registered","waitlist_position":null}`), nil)
	res.record(1, http.StatusCreated, []byte(`{"id":2,"status":"waitlisted"}`), nil)
	res.record(2, http.StatusConflict, []byte(`{"error":{"code":"already_registered"}}`), nil)
	res.record(3, 0, nil, io.ErrUnexpectedEOF)
	want := map[int]int{http.StatusCreated: 1, statusBadBody: 1, http.StatusConflict: 1, 0: 1}
	for k, v := range want {
		if res.byStatus[k] != v {
			t.Errorf("byStatus = %v, want %v", res.byStatus, want)
			break
		}
	}
	if res.registered != 1 || len(res.samples) != 3 {
		t.Errorf("registered %d, samples %q", res.registered, res.samples)
	}
}
