// Package graphtest is a stand-in for Microsoft Graph and the Microsoft
// Entra token endpoint, for tests of code that captures files from
// Microsoft 365. It serves driveItems recorded in Graph's response shapes
// (testdata) for a SharePoint site, "Adult Social Care", and a OneDrive
// for Business, and misbehaves the way Graph does: 404 itemNotFound, 403
// accessDenied, 429 with Retry-After.
//
// It is strict where Graph is strict: client credentials and the scope are
// checked, every Graph request needs a bearer token it issued, and the
// pre-authenticated download URL it redirects to fails the test if it
// receives an Authorization header (the token must not leave Graph).
package graphtest

import (
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"dbtp/internal/records/graph"
)

// The tenant, app registration and the recorded drives and items.
const (
	Tenant       = "9e3b5c1a-4f2d-4e6b-8a7c-0d1e2f3a4b5c"
	ClientID     = "c4d5e6f7-0a1b-4c2d-9e3f-5a6b7c8d9e0f"
	ClientSecret = "kcc-test~secret.0123456789abcdefghij"

	// SharePointDriveID is the "Documents" library of the Adult Social
	// Care site; OneDriveID is Jane Smith's OneDrive for Business.
	SharePointDriveID = "b!kXq3Yt0Vv0mN6aWcR2sLh9fD1pZ8uE4oJ7bT5gC3xQyM1nK2wA6eH0rS9iU8vF4l"
	OneDriveID        = "b!p4Lm0cQz2Ue7H1vN9xR3sK6tW8yB5aD0fG2jJ4kM7nP1qS3uV5wX7zA9cE1gI3kO"
	SharePointSiteID  = "kentcc.sharepoint.com,3f9a1c2e-5b7d-4e80-9a61-2c4d6e8f0a1b,7d2e4f60-8a1c-4b3e-9d5f-6a7b8c9d0e1f"
	OneDriveSiteID    = "kentcc-my.sharepoint.com,0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f,5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"

	// CarePlanID is "Care plan review - J Smith.docx" (SharePoint, with a
	// QuickXorHash); SharingLink is a sharing link to it.
	CarePlanID  = "01KCCASC7RYXOJ3KLSEFHYZCQNHUXF5M3P"
	SharingLink = "https://kentcc.sharepoint.com/:w:/s/AdultSocialCare/EXHPcna1LBNHjbIHp6NpvCgBq3Zy4TQm9pLrW5nF8dKc2Q?e=Kc2R7q"
	// VisitNotesID is "Home visit notes 2024-03-12.pdf" in the OneDrive,
	// last modified by an application rather than a person.
	VisitNotesID = "01JSMITH4Q2YQ6ZK3JEBWZ7L5XUQH2ATVN"
	// FolderID is the folder "Safeguarding referrals".
	FolderID = "01KCCASC2SAFEGRDREFERRALS7Q3M4N5K"
	// MinutesID is a file Graph has not hashed yet (no file.hashes).
	MinutesID = "01KCCASC6DMTMINUTES2024FEBQ4R5S6T"
	// ThrottledID answers 429 with Retry-After once, then as usual.
	ThrottledID = "01KCCASC3DPAUDIT2023ZX4Y5Z6A7B2C3"
	// RestrictedID is a file the app registration may not read: 403, by
	// ID or through RestrictedLink.
	RestrictedID   = "01KCCASC5HRINVESTIGATIONSX3Q4R5S6"
	RestrictedLink = "https://kentcc.sharepoint.com/:w:/s/AdultSocialCare/EQhrInv3st1gat1onsQ4R5S6T7U8V9W0X1Y2Z3A4B5?e=Hr7xQ2"
	// RetryAfterSeconds is what the throttled answer asks for.
	RetryAfterSeconds = 1
)

//go:embed testdata
var testdata embed.FS

// recorded pairs each driveItem fixture with its content.
var recorded = []struct{ item, content string }{
	{"care-plan-review.json", "care-plan-review.docx"},
	{"home-visit-notes.json", "home-visit-notes.pdf"},
	{"direct-payments-audit.json", "direct-payments-audit.csv"},
	{"dmt-minutes.json", "dmt-minutes.docx"},
	{"safeguarding-referrals.json", ""},
}

// Server is the stand-in. Its methods are safe to call while requests are
// being served.
type Server struct {
	t     testing.TB
	graph *httptest.Server // token endpoint and Graph
	files *httptest.Server // pre-authenticated download URLs, another host

	mu            sync.Mutex
	items         map[string]*entry // by item ID
	links         map[string]string // sharing link or webUrl -> item ID
	tokens        map[string]time.Time
	downloads     map[string]string // tempauth -> item ID
	errors        map[string][]byte // error bodies by fixture name
	hits          map[string]int    // Graph requests per item ID (metadata and content)
	throttle      map[string]bool   // items that answer 429 on their next request
	tokenRequests int
}

type entry struct {
	driveID string
	json    []byte // the driveItem as Graph sends it, with {{downloadUrl}}
	content []byte
}

// New starts the stand-in on loopback; it stops when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		t:     t,
		items: map[string]*entry{}, links: map[string]string{}, tokens: map[string]time.Time{},
		downloads: map[string]string{}, hits: map[string]int{}, errors: map[string][]byte{},
		throttle: map[string]bool{ThrottledID: true},
	}
	for _, r := range recorded {
		raw := s.fixture("items/" + r.item)
		var head struct {
			ID              string `json:"id"`
			WebURL          string `json:"webUrl"`
			ParentReference struct {
				DriveID string `json:"driveId"`
			} `json:"parentReference"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			t.Fatalf("graphtest: fixture %s: %v", r.item, err)
		}
		e := &entry{driveID: head.ParentReference.DriveID, json: raw}
		if r.content != "" {
			e.content = s.fixture("content/" + r.content)
		}
		s.items[head.ID] = e
		s.links[head.WebURL] = head.ID
	}
	s.links[SharingLink] = CarePlanID
	s.links[RestrictedLink] = RestrictedID
	errs, err := testdata.ReadDir("testdata/errors")
	if err != nil {
		t.Fatalf("graphtest: %v", err)
	}
	for _, f := range errs {
		s.errors[f.Name()] = s.fixture("errors/" + f.Name())
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.token)
	mux.HandleFunc("GET /v1.0/drives/{drive}/items/{item}", s.item)
	mux.HandleFunc("GET /v1.0/drives/{drive}/items/{item}/content", s.content)
	mux.HandleFunc("GET /v1.0/shares/{share}/driveItem", s.share)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.graphError(w, http.StatusBadRequest, "invalid-request.json")
	})
	s.graph = httptest.NewServer(mux)
	t.Cleanup(s.graph.Close)

	files := http.NewServeMux()
	files.HandleFunc("GET /_layouts/15/download.aspx", s.download)
	s.files = httptest.NewServer(files)
	t.Cleanup(s.files.Close)
	return s
}

func (s *Server) fixture(name string) []byte {
	b, err := testdata.ReadFile("testdata/" + name)
	if err != nil {
		s.t.Fatalf("graphtest: %v", err)
	}
	return b
}

// Config points a graph.Client at the stand-in.
func (s *Server) Config() graph.Config {
	return graph.Config{
		TenantID: Tenant, ClientID: ClientID, ClientSecret: ClientSecret,
		BaseURL:    s.graph.URL + "/v1.0",
		TokenURL:   s.graph.URL + "/" + Tenant + "/oauth2/v2.0/token",
		HTTPClient: s.graph.Client(),
	}
}

// Hits is how many Graph requests (metadata and content) named the item.
func (s *Server) Hits(itemID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[itemID]
}

// TokenRequests is how many access tokens were issued.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenRequests
}

// ThrottleOnce makes the item's next Graph request answer 429.
func (s *Server) ThrottleOnce(itemID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle[itemID] = true
}

// SetContent changes what the item's download serves without changing its
// metadata, as if the content had been damaged or changed underneath.
func (s *Server) SetContent(itemID string, content []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.items[itemID]
	if !ok {
		s.t.Fatalf("graphtest: SetContent: no item %q", itemID)
	}
	e.content = content
}

// RevokeTokens forgets every issued token, as when Entra ID revokes them
// early; Graph then answers 401 until the client fetches a new one.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// randomID returns n random characters of Graph's base32 item ID alphabet.
func randomID(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeShare is the inverse of Graph's sharing URL encoding, written
// independently of the client's: "u!" + unpadded base64url.
func decodeShare(share string) (string, bool) {
	enc, ok := strings.CutPrefix(share, "u!")
	if !ok || strings.ContainsAny(enc, "=+/") {
		return "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	return string(raw), err == nil
}
