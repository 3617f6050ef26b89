// Command loadgen measures how many registrations per second a Sinau server
// takes through its JSON API, next to the raw rate SQLite gives on the same
// machine. docs/PERFORMANCE.md has the commands and the latest results.
//
// Modes:
//
//	loadgen sqlite-baseline [-n 20000] [-dir DIR] [-wal-autocheckpoint PAGES]
//	loadgen registrations -url http://127.0.0.1:8097 [-c 64] [-n 20000] [-capacity 5000]
//	        [-email demo@sinau.test] [-password demo-sinau-2026] [-server-pid PID]
//	loadgen all [the flags of both] [-server-bin PATH [-data-dir DIR]] [-runs 1]
//
// sqlite-baseline times one INSERT per transaction through database/sql on a
// fresh file opened with the DSN options the app's writer uses (models/db.go).
//
// registrations logs in as an organizer, creates a published webinar with
// the given capacity and sends n registrations from c concurrent keep-alive
// clients. It prints throughput, latency percentiles, errors by status and
// checks that nothing was overbooked: exactly min(n, capacity) registered,
// the rest waitlisted at positions 1..n-capacity, and the organizer's list
// agrees. It exits 1 when any request failed or any check did not hold.
//
// all runs both, one after the other, and prints the ratio. With
// -server-bin it also seeds a demo organizer in a fresh data directory,
// starts the server there (rate limit off, no SMTP, logs discarded), and
// reports the server's CPU time and peak RSS (VmHWM). -runs repeats the
// whole thing and prints the median and spread.
//
// Traffic goes to loopback addresses only unless -allow-remote is given.
package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"sinau/models" // also registers the sqlite3 driver the app uses
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: loadgen <mode> [flags]

modes:
  sqlite-baseline   raw SQLite rate: one INSERT per transaction
  registrations     registrations through the JSON API of a running server
  all               both, in one run, with the ratio (optionally starting the server)

run "loadgen <mode> -h" for the flags of a mode
`

// options are the flags of every mode; each mode registers the ones it uses.
type options struct {
	n        int
	dir      string
	ckpt     int
	url      string
	c        int
	capacity int
	email    string
	password string
	token    string
	timeout  time.Duration
	maxTime  time.Duration
	pid      int
	remote   bool

	serverBin string
	dataDir   string
	runs      int
	keep      bool
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	mode := args[0]
	var o options
	fs := flag.NewFlagSet("loadgen "+mode, flag.ContinueOnError)
	fs.SetOutput(stderr)
	baselineFlags := func() {
		fs.IntVar(&o.n, "n", 20000, "rows to insert / registrations to send")
		fs.StringVar(&o.dir, "dir", "", "directory for the baseline database file (default: a new temporary directory)")
		fs.IntVar(&o.ckpt, "wal-autocheckpoint", 0, "baseline: PRAGMA wal_autocheckpoint in pages (0: SQLite's default, 1000)")
	}
	regFlags := func() {
		fs.StringVar(&o.url, "url", "http://127.0.0.1:8097", "base URL of the Sinau server")
		fs.IntVar(&o.c, "c", 64, "concurrent clients")
		fs.IntVar(&o.capacity, "capacity", 5000, "capacity of the webinar created for the run (0: unlimited)")
		fs.StringVar(&o.email, "email", "demo@sinau.test", "organizer email (creates the webinar, reads the registrant list)")
		fs.StringVar(&o.password, "password", "demo-sinau-2026", "organizer password")
		fs.StringVar(&o.token, "token", "", "organizer API token to use instead of logging in (POST /api/v1/tokens allows 10 a minute)")
		fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "timeout of one request")
		fs.DurationVar(&o.maxTime, "max-duration", 5*time.Minute, "stop sending after this long (the run then fails)")
		fs.IntVar(&o.pid, "server-pid", 0, "PID of the server, to report its CPU time and peak RSS (Linux /proc)")
		fs.BoolVar(&o.remote, "allow-remote", false, "allow a -url that is not a loopback address")
	}
	switch mode {
	case "sqlite-baseline":
		baselineFlags()
	case "registrations":
		fs.IntVar(&o.n, "n", 20000, "registrations to send")
		regFlags()
	case "all":
		baselineFlags()
		regFlags()
		fs.StringVar(&o.serverBin, "server-bin", "", "Sinau binary to start for the run (default: use the server already at -url)")
		fs.StringVar(&o.dataDir, "data-dir", "", "data directory for the started server (default: a new temporary directory per run)")
		fs.IntVar(&o.runs, "runs", 1, "repeat the whole measurement this many times (1-10)")
		fs.BoolVar(&o.keep, "keep", false, "keep the temporary directories")
	default:
		fmt.Fprintf(stderr, "loadgen: unknown mode %q\n\n%s", mode, usage)
		return 2
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := o.check(mode); err != nil {
		fmt.Fprintln(stderr, "loadgen:", err)
		return 2
	}

	// Ctrl-C or SIGTERM stops sending; the run then fails, and a server
	// started here is stopped and temporary directories removed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch mode {
	case "sqlite-baseline":
		var b *baseline
		if b, err = runBaseline(ctx, o.n, o.dir, o.keep, o.ckpt); err == nil {
			b.print(stdout)
		}
	case "registrations":
		var r *regRun
		if r, err = runRegistrations(ctx, &o, nil); r != nil {
			r.print(stdout)
			if err == nil {
				err = r.verdict()
			}
		}
	case "all":
		err = runAll(ctx, &o, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "loadgen:", err)
		return 1
	}
	return 0
}

func (o *options) check(mode string) error {
	if o.n < 1 || o.n > 10_000_000 {
		return errors.New("-n must be between 1 and 10000000")
	}
	if mode == "sqlite-baseline" {
		return nil
	}
	if o.c < 1 || o.c > 4096 {
		return errors.New("-c must be between 1 and 4096")
	}
	if o.capacity < 0 {
		return errors.New("-capacity must not be negative")
	}
	u, err := url.Parse(o.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-url %q is not an http(s) URL", o.url)
	}
	o.url = strings.TrimRight(o.url, "/")
	if !o.remote {
		ip := net.ParseIP(u.Hostname())
		if ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("-url %q is not a loopback IP; pass -allow-remote to load another machine", o.url)
		}
	}
	if mode == "all" {
		if o.runs < 1 || o.runs > 10 {
			return errors.New("-runs must be between 1 and 10")
		}
		if o.serverBin != "" && o.pid != 0 {
			return errors.New("-server-pid and -server-bin do not go together")
		}
		if o.serverBin != "" && u.Port() == "" {
			return errors.New("-url needs an explicit port when -server-bin starts the server")
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// SQLite baseline

// baseline is the raw rate of one INSERT per transaction.
type baseline struct {
	rows           int
	elapsed        time.Duration
	path           string
	autocheckpoint int
}

func (b *baseline) rate() float64 { return float64(b.rows) / b.elapsed.Seconds() }

func (b *baseline) print(w io.Writer) {
	ckpt := "default"
	if b.autocheckpoint > 0 {
		ckpt = strconv.Itoa(b.autocheckpoint)
	}
	fmt.Fprintf(w, "sqlite-baseline: %d rows, one INSERT per transaction, in %s = %.0f rows/s (wal_autocheckpoint %s; %s)\n",
		b.rows, b.elapsed.Round(time.Millisecond), b.rate(), ckpt, b.path)
}

// baselineSchema is a registration row cut down to what a sign-up fills in,
// with the same unique constraints (token; webinar and email).
const baselineSchema = `CREATE TABLE registrations (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	webinar_id INTEGER NOT NULL,
	token TEXT NOT NULL UNIQUE,
	status TEXT NOT NULL,
	name TEXT NOT NULL,
	email TEXT NOT NULL,
	phone TEXT NOT NULL DEFAULT '',
	regency_code TEXT NOT NULL DEFAULT '',
	created_at DATETIME NOT NULL);
CREATE UNIQUE INDEX registrations_webinar_email ON registrations(webinar_id, email);`

// runBaseline inserts n rows into a fresh database in dir (a temporary
// directory when empty), each in its own transaction, from one goroutine.
func runBaseline(ctx context.Context, n int, dir string, keep bool, autocheckpoint int) (*baseline, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "loadgen-baseline-")
		if err != nil {
			return nil, err
		}
		if !keep {
			defer os.RemoveAll(d)
		}
		dir = d
	} else if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "baseline.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	db, err := sql.Open("sqlite3", models.WriterDSN(path))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	if _, err := db.ExecContext(ctx, baselineSchema); err != nil {
		return nil, fmt.Errorf("baseline schema: %w", err)
	}
	if autocheckpoint > 0 {
		if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", autocheckpoint)); err != nil {
			return nil, fmt.Errorf("baseline: %w", err)
		}
	}
	// The values are made before the clock starts: only the database is timed.
	tokens := make([]string, n)
	for i := range tokens {
		var b [16]byte
		for j := range b {
			b[j] = byte(rand.Uint32())
		}
		tokens[i] = hex.EncodeToString(b[:])
	}
	const insert = `INSERT INTO registrations (webinar_id, token, status, name, email, phone, regency_code, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	start := time.Now()
	for i := range n {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("baseline begin: %w", err)
		}
		if _, err := tx.ExecContext(ctx, insert, 1, tokens[i], "registered", participantName(i), participantEmail("baseline", i),
			participantPhone(i), "3315", time.Now().UTC()); err != nil {
			tx.Rollback()
			return nil, fmt.Errorf("baseline insert %d: %w", i, err)
		}
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("baseline commit %d: %w", i, err)
		}
	}
	elapsed := time.Since(start)
	var count int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM registrations`).Scan(&count); err != nil || count != n {
		return nil, fmt.Errorf("baseline: %d rows in the table after %d inserts (%v)", count, n, err)
	}
	return &baseline{rows: n, elapsed: elapsed, path: path, autocheckpoint: autocheckpoint}, nil
}

// ---------------------------------------------------------------------------
// Registrations through the API

// participant data: unique emails, valid and varied Indonesian mobile numbers.

func participantName(i int) string { return "Peserta Uji " + strconv.Itoa(i+1) }

func participantEmail(runID string, i int) string {
	return "p" + strconv.Itoa(i+1) + "." + runID + "@loadtest.example"
}

// mobilePrefixes are Indonesian mobile prefixes (Telkomsel, Indosat, XL,
// Tri, Smartfren); eight more digits make a valid 12-digit number.
var mobilePrefixes = []string{"0812", "0813", "0821", "0852", "0856", "0857", "0817", "0878", "0896", "0881"}

func participantPhone(i int) string {
	return fmt.Sprintf("%s%08d", mobilePrefixes[i%len(mobilePrefixes)], (i*7919+1234567)%100_000_000)
}

// registrationBody is the JSON a participant sends.
func registrationBody(runID string, i int) []byte {
	b := make([]byte, 0, 160)
	b = append(b, `{"name":`...)
	b = strconv.AppendQuote(b, participantName(i))
	b = append(b, `,"email":`...)
	b = strconv.AppendQuote(b, participantEmail(runID, i))
	b = append(b, `,"phone":`...)
	b = strconv.AppendQuote(b, participantPhone(i))
	b = append(b, `,"regency_code":"3315","consent":true}`...)
	return b
}

// regRun is the outcome of one registrations run.
type regRun struct {
	n, c, capacity int
	webinarID      int64
	elapsed        time.Duration
	latencies      []time.Duration // sorted, one per request sent
	byStatus       map[int]int     // HTTP status; 0 for transport errors
	samples        []string        // the first few error responses
	registered     int
	waitlisted     int
	problems       []string // failed checks
	listRegistered int64
	listWaitlisted int64
	server         *procSample // nil when the server's PID is unknown
	loadgenCPU     time.Duration
	machineBusy    float64 // share of all CPUs busy during the run, 0..1
}

// client is the one keep-alive HTTP client every worker shares.
func newClient(c int, timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        2 * c,
			MaxIdleConnsPerHost: 2 * c,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

// api calls one JSON endpoint and decodes the answer into out, expecting
// status want.
func api(ctx context.Context, cl *http.Client, method, u, token string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept-Language", "en")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := cl.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, u, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, u, err)
		}
	}
	return nil
}

// setUp logs in and creates the published webinar the run registers for.
func setUp(ctx context.Context, cl *http.Client, o *options, runID string) (token string, webinarID int64, err error) {
	var tok struct {
		Token string `json:"token"`
	}
	if tok.Token = o.token; tok.Token == "" {
		if err := api(ctx, cl, "POST", o.url+"/api/v1/tokens", "",
			map[string]string{"email": o.email, "password": o.password, "name": "loadgen " + runID}, http.StatusCreated, &tok); err != nil {
			return "", 0, fmt.Errorf("organizer token: %w", err)
		}
	}
	webinar := map[string]any{
		"title": "Load test " + runID, "starts_at": time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339),
		"duration_minutes": 120, "timezone": "Asia/Jakarta", "regency_code": "3315", "audience": "general",
		"platform": "zoom", "capacity": o.capacity, "status": "published",
	}
	var w struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	if err := api(ctx, cl, "POST", o.url+"/api/v1/webinars", tok.Token, webinar, http.StatusCreated, &w); err != nil {
		return "", 0, fmt.Errorf("create webinar: %w", err)
	}
	if w.Status != "published" {
		return "", 0, fmt.Errorf("create webinar: status %q, want published", w.Status)
	}
	return tok.Token, w.ID, nil
}

// listTotal is the organizer's count of the webinar's registrations with
// the given status.
func listTotal(ctx context.Context, cl *http.Client, o *options, token string, webinarID int64, status string) (int64, error) {
	var page struct {
		Total int64 `json:"total"`
	}
	u := fmt.Sprintf("%s/api/v1/webinars/%d/registrations?status=%s", o.url, webinarID, status)
	err := api(ctx, cl, "GET", u, token, nil, http.StatusOK, &page)
	return page.Total, err
}

// workerResult is what one client saw; merged after the run.
type workerResult struct {
	byStatus   map[int]int
	samples    []string
	registered int
	positions  []int
	ids        []int64
}

// runRegistrations creates the webinar and sends the registrations. When
// server is set (or o.pid is), the server's CPU time and peak RSS are
// sampled around the run.
func runRegistrations(ctx context.Context, o *options, server *procHandle) (*regRun, error) {
	cl := newClient(o.c, o.timeout)
	defer cl.CloseIdleConnections()
	runID := strconv.FormatInt(time.Now().UnixNano()%1e12, 36)
	token, webinarID, err := setUp(ctx, cl, o, runID)
	if err != nil {
		return nil, err
	}
	if server == nil && o.pid != 0 {
		server = &procHandle{pid: o.pid}
	}
	r := &regRun{n: o.n, c: o.c, capacity: o.capacity, webinarID: webinarID, byStatus: map[int]int{}}
	latencies := make([]time.Duration, o.n)
	sent := make([]bool, o.n)
	results := make([]workerResult, o.c)
	regURL := fmt.Sprintf("%s/api/v1/webinars/%d/registrations", o.url, webinarID)

	ctx, cancel := context.WithTimeout(ctx, o.maxTime)
	defer cancel()
	var next atomic.Int64
	var wg sync.WaitGroup
	before := sampleAll(server)
	start := time.Now()
	for w := range o.c {
		wg.Add(1)
		go func(res *workerResult) {
			defer wg.Done()
			res.byStatus = map[int]int{}
			buf := make([]byte, 0, 512)
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= o.n {
					return
				}
				t0 := time.Now()
				status, body, err := post(ctx, cl, regURL, registrationBody(runID, i), buf[:0])
				latencies[i], sent[i] = time.Since(t0), true
				buf = body
				res.record(i, status, body, err)
			}
		}(&results[w])
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	after := sampleAll(server)
	r.loadgenCPU = after.self - before.self
	if total := after.cpuTotal - before.cpuTotal; total > 0 {
		r.machineBusy = 1 - float64(after.cpuIdle-before.cpuIdle)/float64(total)
	}
	if server != nil {
		r.server = &procSample{cpu: after.server - before.server, peakRSS: server.peakRSS()}
	}

	var positions []int
	var ids []int64
	for _, res := range results {
		for k, v := range res.byStatus {
			if v != 0 {
				r.byStatus[k] += v
			}
		}
		r.samples = append(r.samples, res.samples[:min(len(res.samples), 5-len(r.samples))]...)
		r.registered += res.registered
		positions = append(positions, res.positions...)
		ids = append(ids, res.ids...)
	}
	r.waitlisted = len(positions)
	for i, ok := range sent {
		if ok {
			r.latencies = append(r.latencies, latencies[i])
		}
	}
	slices.Sort(r.latencies)
	r.check(cl, o, token, positions, ids)
	return r, nil
}

// statusBadBody counts 201 answers whose body is not what the API promises.
const statusBadBody = -1

// record counts the answer to registration i.
func (res *workerResult) record(i, status int, body []byte, err error) {
	if err == nil && status != http.StatusCreated {
		err = fmt.Errorf("%d %s", status, bytes.TrimSpace(body))
	}
	var out struct {
		ID               int64  `json:"id"`
		Status           string `json:"status"`
		WaitlistPosition *int   `json:"waitlist_position"`
	}
	if err == nil {
		err = json.Unmarshal(body, &out)
	}
	if err == nil {
		switch {
		case out.Status == "registered" && out.WaitlistPosition == nil:
			res.registered++
		case out.Status == "waitlisted" && out.WaitlistPosition != nil:
			res.positions = append(res.positions, *out.WaitlistPosition)
		default:
			err = fmt.Errorf("unexpected answer %s", body)
		}
		res.ids = append(res.ids, out.ID)
	}
	if err != nil && status == http.StatusCreated {
		status = statusBadBody
	}
	res.byStatus[status]++
	if err != nil && len(res.samples) < 3 {
		res.samples = append(res.samples, fmt.Sprintf("registration %d: %v", i, err))
	}
}

// check records in r.problems every way the run went wrong: not all sent,
// overbooked, the waitlist out of order, or the organizer's list
// disagreeing with what participants were told.
func (r *regRun) check(cl *http.Client, o *options, token string, positions []int, ids []int64) {
	if len(r.latencies) != o.n {
		r.problems = append(r.problems, fmt.Sprintf("only %d of %d requests were sent before the run was stopped (-max-duration %s or a signal)", len(r.latencies), o.n, o.maxTime))
	}
	wantReg := o.n
	if o.capacity > 0 {
		wantReg = min(o.n, o.capacity)
	}
	if r.registered != wantReg {
		r.problems = append(r.problems, fmt.Sprintf("%d answered registered, want min(n, capacity) = %d", r.registered, wantReg))
	}
	if r.registered+r.waitlisted != o.n {
		r.problems = append(r.problems, fmt.Sprintf("registered + waitlisted = %d, want n = %d", r.registered+r.waitlisted, o.n))
	}
	slices.Sort(positions)
	for i, p := range positions {
		if p != i+1 {
			r.problems = append(r.problems, fmt.Sprintf("waitlist positions are not 1..%d each once (position #%d is %d)", len(positions), i+1, p))
			break
		}
	}
	slices.Sort(ids)
	if len(slices.Compact(ids)) != r.registered+r.waitlisted {
		r.problems = append(r.problems, "the same registration id was given to two participants")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var err error
	if r.listRegistered, err = listTotal(ctx, cl, o, token, r.webinarID, "registered"); err != nil {
		r.problems = append(r.problems, "list registered: "+err.Error())
	} else if r.listRegistered != int64(r.registered) || r.listRegistered > int64(wantReg) {
		r.problems = append(r.problems, fmt.Sprintf("the organizer's list has %d registered, participants were told %d, capacity allows %d",
			r.listRegistered, r.registered, wantReg))
	}
	if r.listWaitlisted, err = listTotal(ctx, cl, o, token, r.webinarID, "waitlisted"); err != nil {
		r.problems = append(r.problems, "list waitlisted: "+err.Error())
	} else if r.listWaitlisted != int64(r.waitlisted) {
		r.problems = append(r.problems, fmt.Sprintf("the organizer's list has %d waitlisted, participants were told %d", r.listWaitlisted, r.waitlisted))
	}
}

// post sends one registration and reads the whole answer into buf. A
// transport error is reported with status 0.
func post(ctx context.Context, cl *http.Client, u string, body, buf []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", u, bytes.NewReader(body))
	if err != nil {
		return 0, buf, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := cl.Do(req)
	if err != nil {
		return 0, buf, err
	}
	defer resp.Body.Close()
	w := bytes.NewBuffer(buf)
	if _, err := w.ReadFrom(resp.Body); err != nil {
		return 0, w.Bytes(), err
	}
	return resp.StatusCode, w.Bytes(), nil
}

func (r *regRun) errors() int {
	n := 0
	for k, v := range r.byStatus {
		if k != http.StatusCreated {
			n += v
		}
	}
	return n
}

func (r *regRun) rate() float64 { return float64(len(r.latencies)) / r.elapsed.Seconds() }

// otherCores is the CPU that neither loadgen nor the server used during the
// run (other processes, kernel threads such as writeback), in cores. A
// figure well above 0.1 means the machine was not quiet.
func (r *regRun) otherCores() float64 {
	if r.server == nil {
		return 0
	}
	busy := r.machineBusy * float64(runtime.NumCPU())
	return max(0, busy-(r.loadgenCPU.Seconds()+r.server.cpu.Seconds())/r.elapsed.Seconds())
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}

func (r *regRun) print(w io.Writer) {
	fmt.Fprintf(w, "registrations: webinar %d, capacity %d, %d clients\n", r.webinarID, r.capacity, r.c)
	fmt.Fprintf(w, "  requests     %d in %s = %.0f req/s\n", len(r.latencies), r.elapsed.Round(time.Millisecond), r.rate())
	fmt.Fprintf(w, "  latency      p50 %s  p90 %s  p99 %s  max %s\n", ms(percentile(r.latencies, .50)),
		ms(percentile(r.latencies, .90)), ms(percentile(r.latencies, .99)), ms(percentile(r.latencies, 1)))
	codes := make([]int, 0, len(r.byStatus))
	for k := range r.byStatus {
		codes = append(codes, k)
	}
	slices.Sort(codes)
	var parts []string
	for _, k := range codes {
		name := strconv.Itoa(k)
		switch k {
		case 0:
			name = "transport"
		case statusBadBody:
			name = "201-bad-body"
		}
		parts = append(parts, fmt.Sprintf("%s: %d", name, r.byStatus[k]))
	}
	fmt.Fprintf(w, "  statuses     %s (errors: %d)\n", strings.Join(parts, ", "), r.errors())
	for _, s := range r.samples {
		fmt.Fprintf(w, "    e.g. %s\n", s)
	}
	fmt.Fprintf(w, "  answers      %d registered, %d waitlisted\n", r.registered, r.waitlisted)
	fmt.Fprintf(w, "  organizer    list says %d registered, %d waitlisted\n", r.listRegistered, r.listWaitlisted)
	if len(r.problems) == 0 {
		fmt.Fprintf(w, "  overbooking  none: registered == min(n, capacity), registered + waitlisted == n, waitlist 1..%d\n", r.waitlisted)
	} else {
		for _, p := range r.problems {
			fmt.Fprintf(w, "  CHECK FAILED %s\n", p)
		}
	}
	wall := r.elapsed.Seconds()
	fmt.Fprintf(w, "  cpu          machine %.0f%% busy of %d CPUs; loadgen %.1fs (%.2f cores)", 100*r.machineBusy, runtime.NumCPU(),
		r.loadgenCPU.Seconds(), r.loadgenCPU.Seconds()/wall)
	if r.server != nil {
		fmt.Fprintf(w, "; server %.1fs (%.2f cores, %.0f µs per registration); everything else %.2f cores\n",
			r.server.cpu.Seconds(), r.server.cpu.Seconds()/wall, float64(r.server.cpu.Microseconds())/float64(max(1, len(r.latencies))),
			r.otherCores())
		if r.server.peakRSS > 0 {
			fmt.Fprintf(w, "  server RSS   peak %.1f MiB (VmHWM)\n", float64(r.server.peakRSS)/(1<<20))
		}
	} else {
		fmt.Fprintln(w)
	}
}

// verdict is nil when every request got a 201 and every check held.
func (r *regRun) verdict() error {
	if n := r.errors(); n > 0 {
		return fmt.Errorf("%d of %d registrations failed", n, r.n)
	}
	if len(r.problems) > 0 {
		return fmt.Errorf("%d checks failed: %s", len(r.problems), strings.Join(r.problems, "; "))
	}
	return nil
}

// ---------------------------------------------------------------------------
// all: baseline, then registrations, optionally against a server started here

type measurement struct {
	base *baseline
	reg  *regRun
}

func (m measurement) ratio() float64 { return m.reg.rate() / m.base.rate() }

func runAll(ctx context.Context, o *options, stdout, stderr io.Writer) error {
	var all []measurement
	var failed []string
	for i := range o.runs {
		if o.runs > 1 {
			fmt.Fprintf(stdout, "=== run %d of %d\n", i+1, o.runs)
		}
		m, err := runOnce(ctx, o, stdout, stderr)
		if err != nil {
			return err
		}
		if err := m.reg.verdict(); err != nil {
			failed = append(failed, fmt.Sprintf("run %d: %v", i+1, err))
		}
		all = append(all, m)
	}
	if o.runs > 1 {
		summarize(stdout, all)
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}

func runOnce(ctx context.Context, o *options, stdout, stderr io.Writer) (measurement, error) {
	var server *procHandle
	if o.serverBin != "" {
		dataDir := o.dataDir
		if dataDir == "" {
			d, err := os.MkdirTemp("", "loadgen-data-")
			if err != nil {
				return measurement{}, err
			}
			if !o.keep {
				defer os.RemoveAll(d)
			}
			dataDir = d
		}
		s, err := startServer(ctx, o, dataDir)
		if err != nil {
			return measurement{}, err
		}
		defer s.stop(stderr)
		server = s
		fmt.Fprintf(stdout, "server: %s (pid %d) on %s, data in %s\n", o.serverBin, s.pid, o.url, dataDir)
	}
	b, err := runBaseline(ctx, o.n, o.dir, o.keep, o.ckpt)
	if err != nil {
		return measurement{}, err
	}
	b.print(stdout)
	r, err := runRegistrations(ctx, o, server)
	if err != nil {
		return measurement{}, err
	}
	r.print(stdout)
	m := measurement{base: b, reg: r}
	fmt.Fprintf(stdout, "ratio: %.0f registrations/s ÷ %.0f rows/s = %.2f\n", r.rate(), b.rate(), m.ratio())
	return m, nil
}

// summarize prints the median and the range of each figure over the runs.
func summarize(w io.Writer, ms []measurement) {
	row := func(name string, unit string, f func(measurement) float64) {
		v := make([]float64, len(ms))
		for i, m := range ms {
			v[i] = f(m)
		}
		slices.Sort(v)
		med := v[len(v)/2]
		if len(v)%2 == 0 {
			med = (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		fmt.Fprintf(w, "  %-22s median %10.2f %-6s  min %10.2f  max %10.2f\n", name, med, unit, v[0], v[len(v)-1])
	}
	lat := func(p float64) func(measurement) float64 {
		return func(m measurement) float64 {
			return float64(percentile(m.reg.latencies, p)) / float64(time.Millisecond)
		}
	}
	fmt.Fprintf(w, "=== summary of %d runs\n", len(ms))
	row("baseline", "rows/s", func(m measurement) float64 { return m.base.rate() })
	row("registrations", "req/s", func(m measurement) float64 { return m.reg.rate() })
	row("ratio", "", measurement.ratio)
	row("p50", "ms", lat(.50))
	row("p90", "ms", lat(.90))
	row("p99", "ms", lat(.99))
	row("max", "ms", lat(1))
	row("errors", "", func(m measurement) float64 { return float64(m.reg.errors()) })
	row("failed checks", "", func(m measurement) float64 { return float64(len(m.reg.problems)) })
	row("loadgen CPU", "cores", func(m measurement) float64 { return m.reg.loadgenCPU.Seconds() / m.reg.elapsed.Seconds() })
	if ms[0].reg.server != nil {
		row("server CPU", "cores", func(m measurement) float64 { return m.reg.server.cpu.Seconds() / m.reg.elapsed.Seconds() })
		row("server peak RSS", "MiB", func(m measurement) float64 { return float64(m.reg.server.peakRSS) / (1 << 20) })
		row("everything else CPU", "cores", func(m measurement) float64 { return m.reg.otherCores() })
	}
}

// ---------------------------------------------------------------------------
// The server process and /proc sampling

type procHandle struct {
	pid  int
	cmd  *exec.Cmd
	done chan struct{}
}

type procSample struct {
	cpu     time.Duration
	peakRSS int64
}

// startServer seeds the demo organizer in dataDir and starts the server
// there, with the registration rate limit off and its log discarded.
func startServer(ctx context.Context, o *options, dataDir string) (*procHandle, error) {
	seed := exec.CommandContext(ctx, o.serverBin, "demo", "--data-dir", dataDir)
	if out, err := seed.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s demo: %v\n%s", o.serverBin, err, out)
	}
	u, _ := url.Parse(o.url)
	cmd := exec.Command(o.serverBin, "--data-dir", dataDir, "--addr", u.Host, "--register-rate", "0")
	cmd.Stdout, cmd.Stderr = nil, nil // /dev/null: the server logs every request
	// The server goes when loadgen goes, even when loadgen is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	h := &procHandle{pid: cmd.Process.Pid, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(h.done) }()
	cl := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := cl.Get(o.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return h, nil
			}
		}
		select {
		case <-h.done:
			return nil, fmt.Errorf("%s exited at start (is %s free?)", o.serverBin, u.Host)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			h.stop(io.Discard)
			return nil, fmt.Errorf("%s did not answer /healthz within 20s", o.serverBin)
		}
	}
}

// stop ends the server started here: SIGTERM, then SIGKILL after 20s.
func (h *procHandle) stop(stderr io.Writer) {
	if h.cmd == nil {
		return
	}
	h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-h.done:
	case <-time.After(20 * time.Second):
		fmt.Fprintf(stderr, "loadgen: server pid %d ignored SIGTERM; killing it\n", h.pid)
		h.cmd.Process.Kill()
		<-h.done
	}
}

// clockTicks is USER_HZ, 100 on every Linux build Go supports.
const clockTicks = 100

// cpuTime is utime+stime of pid from /proc/<pid>/stat.
func (h *procHandle) cpuTime() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", h.pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; fields are counted after it.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks
}

// peakRSS is VmHWM of pid, in bytes.
func (h *procHandle) peakRSS() int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", h.pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuSnapshot is taken just before and just after the load.
type cpuSnapshot struct {
	self, server      time.Duration
	cpuTotal, cpuIdle int64
}

func sampleAll(server *procHandle) cpuSnapshot {
	var s cpuSnapshot
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if server != nil {
		s.server = server.cpuTime()
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		for i, f := range strings.Fields(line)[1:] {
			v, _ := strconv.ParseInt(f, 10, 64)
			if i < 8 { // user nice system idle iowait irq softirq steal
				s.cpuTotal += v
			}
			if i == 3 || i == 4 {
				s.cpuIdle += v
			}
		}
	}
	return s
}
