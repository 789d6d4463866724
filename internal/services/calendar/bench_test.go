package calendar

import (
	"testing"
	"time"
)

// Queue pages evaluate a clock per row, so these must stay in the
// nanoseconds and allocation-free.

func BenchmarkAddWorkingDays(b *testing.B) {
	c := Default()
	start := time.Date(2025, 12, 19, 14, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		_ = c.AddWorkingDays(start, 10)
	}
}

func BenchmarkWorkingDaysBetween(b *testing.B) {
	c := Default()
	a := time.Date(2025, 12, 19, 14, 0, 0, 0, time.UTC)
	z := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		_ = c.WorkingDaysBetween(a, z)
	}
}

func BenchmarkSLA(b *testing.B) {
	c := Default()
	entered := time.Date(2025, 12, 19, 14, 0, 0, 0, time.UTC)
	now := time.Date(2026, 1, 6, 9, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		_ = c.SLA(entered, 10, 0, now)
	}
}
