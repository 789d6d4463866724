package main

import (
	"testing"
	"time"
)

// TestBankHoliday: the workplace module is told bank holidays from the
// services calendar, by the day in London.
func TestBankHoliday(t *testing.T) {
	h := bankHoliday(&app{})
	london, _ := time.LoadLocation("Europe/London")
	if name, ok := h(time.Date(2026, 12, 25, 9, 0, 0, 0, london)); !ok || name != "Christmas Day" {
		t.Fatalf("Christmas Day 2026: %q %v", name, ok)
	}
	// 23:30 on 24 December UTC is still Christmas Eve in London.
	if name, ok := h(time.Date(2026, 12, 24, 23, 30, 0, 0, time.UTC)); ok {
		t.Fatalf("Christmas Eve is a holiday: %q", name)
	}
	// 23:30 UTC on 24 May 2026 is 00:30 on the spring bank holiday, in BST.
	if name, ok := h(time.Date(2026, 5, 24, 23, 30, 0, 0, time.UTC)); !ok {
		t.Fatalf("spring bank holiday in BST not seen: %q", name)
	}
}
