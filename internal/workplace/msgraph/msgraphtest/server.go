// Package msgraphtest is a stand-in for Microsoft Graph and the Microsoft
// Entra token endpoint, for tests of the workplace's online meetings and
// Intune device import. Its answers are built from response shapes
// recorded from Microsoft's documentation (testdata): an onlineMeeting as
// POST /users/{id}/onlineMeetings returns it, and two pages of
// managedDevices, the second reached through @odata.nextLink and answering
// 429 with Retry-After once before it is served.
//
// It is strict where Graph is: client credentials and the scope are
// checked, every Graph request needs a bearer token it issued, meetings
// exist only under the organizer, and $select trims devices to the
// properties asked for.
package msgraphtest

import (
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"dbtp/internal/workplace/msgraph"
)

// The tenant, the app registration and the organizer account.
const (
	Tenant       = "9e3b5c1a-4f2d-4e6b-8a7c-0d1e2f3a4b5c"
	ClientID     = "2b7d9f1a-3c5e-4a7b-9d1f-3a5c7e9b1d3f"
	ClientSecret = "kcc-workplace~secret.0123456789abcdef"
	// Organizer is the account meetings are created under, by UPN;
	// OrganizerID is the same account's object ID (Graph takes either).
	Organizer   = "rooms@kentcc.onmicrosoft.com"
	OrganizerID = "5f2a8c3e-7b14-4d6a-9e02-3c1b7a9d4e60"
	// RetryAfterSeconds is what a throttled answer asks for.
	RetryAfterSeconds = 1
	// Devices is how many managed devices the two pages hold.
	Devices = 4
)

//go:embed testdata
var testdata embed.FS

// Meeting is a meeting as the stand-in holds it.
type Meeting struct {
	ID, Subject, JoinWebURL string
	ExternalID              string // made by createOrGet
	Start, End              time.Time
	Deleted                 bool
}

// Server is the running stand-in; its methods are safe to call while it
// serves.
type Server struct {
	t    testing.TB
	http *httptest.Server

	mu            sync.Mutex
	tokens        map[string]bool
	meetings      map[string]*Meeting
	order         []string
	throttle      bool // the second page of devices answers 429 once
	tokenRequests int
	requests      map[string]int    // by "METHOD kind"
	refuse        bool              // meetings answer 403 (no application access policy)
	byExternal    map[string]string // createOrGet's external ID -> meeting ID
	lose          int               // createOrGet answers to lose (after doing the work)
}

// New starts the stand-in on loopback; it stops when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, tokens: map[string]bool{}, meetings: map[string]*Meeting{}, throttle: true, requests: map[string]int{}, byExternal: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.token)
	mux.HandleFunc("POST /v1.0/users/{user}/onlineMeetings", s.createMeeting)
	mux.HandleFunc("POST /v1.0/users/{user}/onlineMeetings/createOrGet", s.createOrGet)
	mux.HandleFunc("GET /v1.0/users/{user}/onlineMeetings/{id}", s.meeting)
	mux.HandleFunc("PATCH /v1.0/users/{user}/onlineMeetings/{id}", s.meeting)
	mux.HandleFunc("DELETE /v1.0/users/{user}/onlineMeetings/{id}", s.meeting)
	mux.HandleFunc("GET /v1.0/deviceManagement/managedDevices", s.devices)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.graphError(w, http.StatusBadRequest, "invalid-request.json")
	})
	s.http = httptest.NewServer(mux)
	t.Cleanup(s.http.Close)
	return s
}

// URL is Graph's base URL on the stand-in (…/v1.0).
func (s *Server) URL() string { return s.http.URL + "/v1.0" }

// TokenURL is the stand-in's token endpoint for the tenant.
func (s *Server) TokenURL() string { return s.http.URL + "/" + Tenant + "/oauth2/v2.0/token" }

// Config points a msgraph.Client at the stand-in, with the organizer.
func (s *Server) Config() msgraph.Config {
	return msgraph.Config{TenantID: Tenant, ClientID: ClientID, ClientSecret: ClientSecret, Organizer: Organizer,
		BaseURL: s.URL(), TokenURL: s.TokenURL(), HTTPClient: s.http.Client()}
}

// Env is the DBTP_WORKPLACE_GRAPH_* settings that point dbtp at the stand-in.
func (s *Server) Env() map[string]string {
	return map[string]string{msgraph.EnvTenant: Tenant, msgraph.EnvClientID: ClientID, msgraph.EnvClientSecret: ClientSecret,
		msgraph.EnvOrganizer: Organizer, msgraph.EnvURL: s.URL(), msgraph.EnvTokenURL: s.TokenURL()}
}

// Meetings lists the meetings made, in order, deleted ones included.
func (s *Server) Meetings() []Meeting {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Meeting
	for _, id := range s.order {
		out = append(out, *s.meetings[id])
	}
	return out
}

// Requests counts Graph requests by method and kind ("POST meetings",
// "POST createOrGet", "PATCH meetings", "DELETE meetings", "GET devices").
func (s *Server) Requests(what string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[what]
}

// TokenRequests is how many access tokens were issued.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenRequests
}

// ThrottleDevices sets whether the second page of devices answers 429
// (with Retry-After) once before it is served; it does at the start.
func (s *Server) ThrottleDevices(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = on
}

// RefuseMeetings makes meeting requests answer 403 as Graph does when no
// application access policy covers the organizer.
func (s *Server) RefuseMeetings(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = on
}

// LoseAnswers makes the next n createOrGet requests do their work (make
// or find the meeting) and then answer 504, as when the answer is lost on
// the way back or the caller dies before it reads it.
func (s *Server) LoseAnswers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lose = n
}

// RevokeTokens forgets every issued token; Graph then answers 401 until
// the client fetches a new one.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

func (s *Server) count(what string) {
	s.mu.Lock()
	s.requests[what]++
	s.mu.Unlock()
}

func (s *Server) fixture(name string) []byte {
	b, err := testdata.ReadFile("testdata/" + name)
	if err != nil {
		s.t.Errorf("msgraphtest: %v", err)
	}
	return b
}

// token is the Microsoft Entra ID v2.0 token endpoint for the client
// credentials grant; the secret may come in the form or as Basic auth.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the grant_type parameter.")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	switch {
	case r.PathValue("tenant") != Tenant:
		tokenError(w, http.StatusBadRequest, "invalid_request", 90002, "Tenant not found.")
	case r.PostForm.Get("grant_type") != "client_credentials":
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", 70003, "The app asked for an unsupported grant type.")
	case id != ClientID:
		tokenError(w, http.StatusBadRequest, "unauthorized_client", 700016, "Application not found in the directory.")
	case secret != ClientSecret:
		tokenError(w, http.StatusUnauthorized, "invalid_client", 7000215, "Invalid client secret provided.")
	case r.PostForm.Get("scope") != "https://graph.microsoft.com/.default":
		tokenError(w, http.StatusBadRequest, "invalid_scope", 1002012, "Client credentials must ask for https://graph.microsoft.com/.default.")
	default:
		b := make([]byte, 24)
		rand.Read(b)
		tok := base64.RawURLEncoding.EncodeToString(b)
		s.mu.Lock()
		s.tokens[tok] = true
		s.tokenRequests++
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
	}
}

func tokenError(w http.ResponseWriter, status int, code string, aadsts int, description string) {
	writeJSON(w, status, map[string]any{
		"error": code, "error_description": "AADSTS" + strconv.Itoa(aadsts) + ": " + description,
		"error_codes": []int{aadsts}, "timestamp": time.Now().UTC().Format("2006-01-02 15:04:05Z"),
		"trace_id": "3c0e1f2a-4b5c-4d6e-8f70-8192a3b4c5d6", "correlation_id": "7e8f9a0b-1c2d-4e3f-a4b5-c6d7e8f90a1b",
	})
}

// authorised checks the bearer token as Graph does (401 when missing or
// unknown).
func (s *Server) authorised(w http.ResponseWriter, r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	known := s.tokens[tok]
	s.mu.Unlock()
	if !ok || !known {
		s.graphError(w, http.StatusUnauthorized, "invalid-token.json")
		return false
	}
	return true
}

func (s *Server) graphError(w http.ResponseWriter, status int, fixture string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(s.fixture("errors/" + fixture))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
