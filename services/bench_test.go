package services

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
)

// BenchmarkRegister measures the registration service on a real SQLite
// file with parallel callers, the waitlist growing as it goes.
func BenchmarkRegister(b *testing.B) {
	db := newDB(&testing.T{})
	org := &testing.T{}
	_ = org
	t := &testing.T{}
	w := publishedWebinar(t, db, 1000)
	s := NewRegistrations(db, clock, "bench")
	var n atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			in := RegistrationInput{Name: "Peserta", Email: fmt.Sprintf("p%d@example.org", i), Phone: "081234567890", RegencyCode: "3315", Consent: true}
			if _, err := s.Register(context.Background(), w.ID, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
