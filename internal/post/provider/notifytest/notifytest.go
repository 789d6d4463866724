// Package notifytest is a stand-in for GOV.UK Notify's v2 API, for
// testing notifyup without the internet: it checks each request's JWT as
// Notify does (HS256 with the key's secret, the service id as issuer, an
// iat within 30 seconds), takes email, text message and precompiled
// letter notifications, answers GET /v2/notifications/{id}, answers
// errors in Notify's shape, and can be taken down.
package notifytest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Notification is one notification the stand-in took.
type Notification struct {
	ID, Type, To, TemplateID, Reference, Postage string
	Personalisation                              map[string]string
	PDF                                          []byte
	Status                                       string
}

// Server is a running stand-in with one service and one key.
type Server struct {
	URL       string
	ServiceID string
	Secret    string
	Now       func() time.Time
	srv       *httptest.Server
	mu        sync.Mutex
	ns        []*Notification
	down      bool
}

// Key is an API key of the stand-in's service, as Notify shows it once.
func (s *Server) Key() string { return "dbtp_test-" + s.ServiceID + "-" + s.Secret }

// Start runs the stand-in until the test ends.
func Start(t testing.TB, serviceID, secret string) *Server {
	s := &Server{ServiceID: serviceID, Secret: secret, Now: time.Now}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/notifications/{type}", s.create)
	mux.HandleFunc("GET /v2/notifications/{id}", s.get)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		down := s.down
		s.mu.Unlock()
		if down {
			fail(w, 503, "ServiceUnavailable", "Notify is down")
			return
		}
		if msg := s.auth(r.Header.Get("Authorization")); msg != "" {
			fail(w, 403, "AuthError", msg)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

func fail(w http.ResponseWriter, code int, class, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"status_code": code, "errors": []map[string]string{{"error": class, "message": msg}}})
}

// auth checks the bearer JWT; "" when it is good.
func (s *Server) auth(h string) string {
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return "Unauthorized: authentication token must be provided"
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "Invalid token: signature, api token is not valid"
	}
	mac := hmac.New(sha256.New, []byte(s.Secret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return "Invalid token: signature, api token not found"
	}
	var head struct{ Alg string }
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if json.Unmarshal(hb, &head) != nil || head.Alg != "HS256" {
		return "Invalid token: algorithm used is not HS256"
	}
	var claims struct {
		Iss string
		Iat int64
	}
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if json.Unmarshal(cb, &claims) != nil || claims.Iss != s.ServiceID {
		return "Invalid token: service not found"
	}
	if d := s.Now().Unix() - claims.Iat; d > 30 || d < -30 {
		return "Error: Your system clock must be accurate to within 30 seconds"
	}
	return ""
}

// SetDown takes the stand-in down (503 to everything) or back up.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// Notifications are the notifications taken, oldest first.
func (s *Server) Notifications() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Notification
	for _, n := range s.ns {
		out = append(out, *n)
	}
	return out
}

// SetStatus is Notify's provider reporting on notification id.
func (s *Server) SetStatus(id, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.ns {
		if n.ID == id {
			n.Status = status
		}
	}
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var body struct {
		EmailAddress    string            `json:"email_address"`
		PhoneNumber     string            `json:"phone_number"`
		TemplateID      string            `json:"template_id"`
		Personalisation map[string]string `json:"personalisation"`
		Reference       string            `json:"reference"`
		Content         string            `json:"content"`
		Postage         string            `json:"postage"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		fail(w, 400, "BadRequestError", "Invalid JSON supplied in POST data")
		return
	}
	n := &Notification{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", len(s.ns)+1), Type: r.PathValue("type"), TemplateID: body.TemplateID,
		Reference: body.Reference, Personalisation: body.Personalisation, Postage: body.Postage, Status: "created"}
	switch n.Type {
	case "email":
		if !strings.Contains(body.EmailAddress, "@") || strings.HasPrefix(body.EmailAddress, "bounce") {
			fail(w, 400, "ValidationError", "email_address Not a valid email address")
			return
		}
		n.To = body.EmailAddress
	case "sms":
		if !strings.HasPrefix(body.PhoneNumber, "+447") && !strings.HasPrefix(body.PhoneNumber, "07") {
			fail(w, 400, "ValidationError", "phone_number Not a UK mobile number")
			return
		}
		n.To = body.PhoneNumber
	case "letter":
		pdf, err := base64.StdEncoding.DecodeString(body.Content)
		if err != nil || !strings.HasPrefix(string(pdf), "%PDF") || body.Reference == "" {
			fail(w, 400, "ValidationError", "content is not a base64 encoded PDF, or reference is missing")
			return
		}
		n.PDF, n.Status = pdf, "pending-virus-check"
	default:
		fail(w, 404, "NotFound", "The requested URL was not found on the server.")
		return
	}
	if n.Type != "letter" && body.TemplateID == "" {
		fail(w, 400, "ValidationError", "template_id is a required property")
		return
	}
	s.mu.Lock()
	s.ns = append(s.ns, n)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{"id": n.ID, "reference": n.Reference})
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.ns {
		if n.ID == r.PathValue("id") {
			json.NewEncoder(w).Encode(map[string]any{"id": n.ID, "type": n.Type, "status": n.Status, "reference": n.Reference})
			return
		}
	}
	fail(w, 404, "NoResultFound", "No result found")
}
