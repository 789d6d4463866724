package graphtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// tokenLifetime is what Entra ID gives app tokens (an hour, less a second).
const tokenLifetime = 3599 * time.Second

// token is the Microsoft Entra ID v2.0 token endpoint for the client
// credentials grant. The secret may come in the form (as Entra documents)
// or as HTTP Basic authentication (which Entra also accepts).
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
		tokenError(w, http.StatusBadRequest, "invalid_request", 90002, "Tenant not found. Check the tenant ID in the token URL.")
	case r.PostForm.Get("grant_type") != "client_credentials":
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", 70003, "The app asked for a grant type this stand-in does not offer.")
	case id != ClientID:
		tokenError(w, http.StatusBadRequest, "unauthorized_client", 700016, "Application not found in the directory.")
	case secret != ClientSecret:
		tokenError(w, http.StatusUnauthorized, "invalid_client", 7000215, "Invalid client secret provided.")
	case r.PostForm.Get("scope") != "https://graph.microsoft.com/.default":
		tokenError(w, http.StatusBadRequest, "invalid_scope", 1002012, "Client credentials must ask for https://graph.microsoft.com/.default.")
	default:
		tok := randomToken()
		s.mu.Lock()
		s.tokens[tok] = time.Now().Add(tokenLifetime)
		s.tokenRequests++
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{
			"token_type": "Bearer", "expires_in": int(tokenLifetime.Seconds()),
			"ext_expires_in": int(tokenLifetime.Seconds()), "access_token": tok,
		})
	}
}

func tokenError(w http.ResponseWriter, status int, code string, aadsts int, description string) {
	writeJSON(w, status, map[string]any{
		"error":             code,
		"error_description": "AADSTS" + strconv.Itoa(aadsts) + ": " + description,
		"error_codes":       []int{aadsts},
		"timestamp":         time.Now().UTC().Format("2006-01-02 15:04:05Z"),
		"trace_id":          "3c0e1f2a-4b5c-4d6e-8f70-8192a3b4c5d6",
		"correlation_id":    "7e8f9a0b-1c2d-4e3f-a4b5-c6d7e8f90a1b",
		"error_uri":         "https://login.microsoftonline.com/error?code=" + strconv.Itoa(aadsts),
	})
}

// authorised checks the bearer token, answering 401 as Graph does when it
// is missing, unknown or expired.
func (s *Server) authorised(w http.ResponseWriter, r *http.Request) bool {
	tok, ok := bytes.CutPrefix([]byte(r.Header.Get("Authorization")), []byte("Bearer "))
	s.mu.Lock()
	expiry, known := s.tokens[string(tok)]
	s.mu.Unlock()
	if !ok || !known || time.Now().After(expiry) {
		s.graphError(w, http.StatusUnauthorized, "invalid-token.json")
		return false
	}
	return true
}

// lookup finds the item a Graph request names and applies the recorded
// misbehaviour: 403 for the restricted item, one 429 for a throttled one,
// 404 for anything unknown or asked for under the wrong drive.
func (s *Server) lookup(w http.ResponseWriter, driveID, itemID string) (*entry, bool) {
	s.mu.Lock()
	s.hits[itemID]++
	e, ok := s.items[itemID]
	throttled := s.throttle[itemID]
	delete(s.throttle, itemID)
	s.mu.Unlock()
	switch {
	case throttled:
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
		s.graphError(w, http.StatusTooManyRequests, "throttled.json")
	case itemID == RestrictedID:
		s.graphError(w, http.StatusForbidden, "access-denied.json")
	case !ok || (driveID != "" && e.driveID != driveID):
		s.graphError(w, http.StatusNotFound, "item-not-found.json")
	default:
		return e, true
	}
	return nil, false
}

func (s *Server) item(w http.ResponseWriter, r *http.Request) {
	if !s.authorised(w, r) {
		return
	}
	itemID := r.PathValue("item")
	if e, ok := s.lookup(w, r.PathValue("drive"), itemID); ok {
		s.writeItem(w, itemID, e)
	}
}

// writeItem sends the recorded driveItem with a fresh download URL, as
// Graph includes @microsoft.graph.downloadUrl in a file's metadata.
func (s *Server) writeItem(w http.ResponseWriter, itemID string, e *entry) {
	body := bytes.ReplaceAll(e.json, []byte("{{downloadUrl}}"), []byte(s.downloadURL(itemID)))
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	w.Header().Set("request-id", randomToken())
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// content answers as Graph does: 302 to a pre-authenticated URL on
// another host, never the bytes themselves.
func (s *Server) content(w http.ResponseWriter, r *http.Request) {
	if !s.authorised(w, r) {
		return
	}
	itemID := r.PathValue("item")
	e, ok := s.lookup(w, r.PathValue("drive"), itemID)
	if !ok {
		return
	}
	if e.content == nil {
		s.graphError(w, http.StatusNotFound, "item-not-found.json") // a folder has no content
		return
	}
	w.Header().Set("Location", s.downloadURL(itemID))
	w.WriteHeader(http.StatusFound)
}

func (s *Server) downloadURL(itemID string) string {
	tempauth := randomToken()
	s.mu.Lock()
	s.downloads[tempauth] = itemID
	s.mu.Unlock()
	return s.files.URL + "/_layouts/15/download.aspx?UniqueId=" + itemID + "&Translate=false&tempauth=" + tempauth + "&ApiVersion=2.0"
}

// download is the pre-authenticated URL. The tempauth parameter is the
// only credential; an Authorization header here means the client leaked
// its Graph token to another host, which fails the test.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		s.t.Errorf("graphtest: the download URL received an Authorization header: the Graph bearer token leaked to the download host")
		http.Error(w, "Authorization header not expected", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	itemID, ok := s.downloads[r.URL.Query().Get("tempauth")]
	var content []byte
	if e := s.items[itemID]; ok && e != nil {
		content = e.content
	}
	s.mu.Unlock()
	if !ok || itemID != r.URL.Query().Get("UniqueId") {
		http.Error(w, "tempauth not valid", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	w.Write(content)
}

// share resolves /shares/{u!base64url}/driveItem for known sharing links
// and the webUrl of every item.
func (s *Server) share(w http.ResponseWriter, r *http.Request) {
	if !s.authorised(w, r) {
		return
	}
	link, ok := decodeShare(r.PathValue("share"))
	if !ok {
		s.graphError(w, http.StatusBadRequest, "invalid-request.json")
		return
	}
	s.mu.Lock()
	itemID, known := s.links[link]
	s.mu.Unlock()
	if !known {
		s.graphError(w, http.StatusNotFound, "item-not-found.json")
		return
	}
	if e, ok := s.lookup(w, "", itemID); ok {
		s.writeItem(w, itemID, e)
	}
}

// graphError sends a recorded error body in Graph's shape.
func (s *Server) graphError(w http.ResponseWriter, status int, fixture string) {
	id := randomToken()
	body := bytes.ReplaceAll(s.errors[fixture], []byte("{{requestId}}"), []byte(id))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("request-id", id)
	w.WriteHeader(status)
	w.Write(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
