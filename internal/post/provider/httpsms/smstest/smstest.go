// Package smstest is an SMS gateway speaking httpsms's interface, for
// tests and for trying the interface out: it keeps messages in memory,
// refuses numbers that are not UK mobiles (+447...) with a 422, treats a
// repeated id as the same message, and can be taken down.
package smstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Message is one message the gateway took.
type Message struct {
	Ref, ID, To, From, Body, Reference, Status string
}

// Gateway is a running test gateway.
type Gateway struct {
	URL   string
	Token string
	srv   *httptest.Server
	mu    sync.Mutex
	msgs  []*Message
	down  bool
	sends int // POSTs that reached a working gateway, repeats included
}

// Start runs a gateway until the test ends.
func Start(t testing.TB, token string) *Gateway {
	g := &Gateway{Token: token}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /messages", g.send)
	mux.HandleFunc("GET /messages/{ref}", g.status)
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		down := g.down
		g.mu.Unlock()
		switch {
		case down:
			http.Error(w, `{"error": "gateway down"}`, http.StatusServiceUnavailable)
		case r.Header.Get("Authorization") != "Bearer "+g.Token:
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error": "bad token"}`)
		default:
			mux.ServeHTTP(w, r)
		}
	}))
	g.URL = g.srv.URL
	t.Cleanup(g.srv.Close)
	return g
}

// SetDown takes the gateway down (every request gets a 503) or back up.
func (g *Gateway) SetDown(down bool) {
	g.mu.Lock()
	g.down = down
	g.mu.Unlock()
}

// Messages are the distinct messages taken.
func (g *Gateway) Messages() []Message {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []Message
	for _, m := range g.msgs {
		out = append(out, *m)
	}
	return out
}

// SetStatus is the network's receipt for message ref.
func (g *Gateway) SetStatus(ref, status string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range g.msgs {
		if m.Ref == ref {
			m.Status = status
		}
	}
}

func (g *Gateway) send(w http.ResponseWriter, r *http.Request) {
	var req struct{ ID, To, From, Body, Reference string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.ID == "" || req.Body == "" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error": "id, to and body are needed"}`)
		return
	}
	if !strings.HasPrefix(req.To, "+447") && !strings.HasPrefix(req.To, "07") {
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, `{"error": "not a UK mobile number"}`)
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sends++
	for _, m := range g.msgs {
		if m.ID == req.ID {
			json.NewEncoder(w).Encode(map[string]string{"id": m.Ref, "status": m.Status})
			return
		}
	}
	m := &Message{Ref: fmt.Sprintf("gw-%d", len(g.msgs)+1), ID: req.ID, To: req.To, From: req.From, Body: req.Body, Reference: req.Reference, Status: "sending"}
	g.msgs = append(g.msgs, m)
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]string{"id": m.Ref, "status": m.Status})
}

func (g *Gateway) status(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range g.msgs {
		if m.Ref == r.PathValue("ref") {
			json.NewEncoder(w).Encode(map[string]string{"id": m.Ref, "status": m.Status})
			return
		}
	}
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprint(w, `{"error": "no such message"}`)
}
