package handlers

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
)

// BenchmarkRegisterAPI drives POST /api/v1/webinars/{id}/registrations
// through the real router and a real SQLite file, 64 clients at a time.
func BenchmarkRegisterAPI(b *testing.B) {
	t := &testing.T{}
	s := newTestServer(t, map[string]string{"SINAU_REGISTER_RATE": "0"})
	defer s.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: tr}
	var n atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body := fmt.Sprintf(`{"name":"Peserta %d","email":"p%d@example.org","phone":"081234567890","regency_code":"3315","consent":true}`, i, i)
			res, err := client.Post(s.URL+"/api/v1/webinars/1/registrations", "application/json", bytes.NewReader([]byte(body)))
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusCreated {
				b.Fatalf("status %d", res.StatusCode)
			}
		}
	})
}
