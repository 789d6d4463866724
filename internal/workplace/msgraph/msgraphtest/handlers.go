package msgraphtest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// meetingBody is what Graph reads from a create or an update.
type meetingBody struct {
	Subject       *string `json:"subject"`
	StartDateTime *string `json:"startDateTime"`
	EndDateTime   *string `json:"endDateTime"`
	ExternalID    *string `json:"externalId"`
}

func (s *Server) organizerOK(w http.ResponseWriter, r *http.Request) bool {
	if !s.authorised(w, r) {
		return false
	}
	s.mu.Lock()
	refuse := s.refuse
	s.mu.Unlock()
	if u := r.PathValue("user"); u != Organizer && u != OrganizerID || refuse {
		s.graphError(w, http.StatusForbidden, "no-access-policy.json")
		return false
	}
	return true
}

func parseTime(p *string) (time.Time, bool) {
	if p == nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, *p)
	return t, err == nil
}

// createMeeting answers POST /users/{user}/onlineMeetings with the
// recorded onlineMeeting, its identity and times made new.
func (s *Server) createMeeting(w http.ResponseWriter, r *http.Request) {
	s.count("POST meetings")
	if !s.organizerOK(w, r) {
		return
	}
	in, ok := s.readCreate(w, r)
	if !ok {
		return
	}
	s.writeMeeting(w, http.StatusCreated, s.newMeeting(in, ""))
}

// createOrGet answers POST /users/{user}/onlineMeetings/createOrGet:
// 201 with a new meeting, or 200 with the one already made under the
// same externalId (Graph keys it by tenant, organizer and externalId;
// the stand-in has one tenant and one organizer).
func (s *Server) createOrGet(w http.ResponseWriter, r *http.Request) {
	s.count("POST createOrGet")
	if !s.organizerOK(w, r) {
		return
	}
	in, ok := s.readCreate(w, r)
	if !ok {
		return
	}
	if in.ExternalID == nil || *in.ExternalID == "" {
		s.graphError(w, http.StatusBadRequest, "invalid-request.json")
		return
	}
	s.mu.Lock()
	id, found := s.byExternal[*in.ExternalID]
	var m Meeting
	if found {
		m = *s.meetings[id]
	}
	s.mu.Unlock()
	status := http.StatusOK
	switch {
	case found && m.Deleted:
		// Graph does not say what it does here; dbtp never asks, since
		// it records a new external ID for each meeting it makes.
		s.t.Errorf("msgraphtest: createOrGet with the external ID %s of a deleted meeting", *in.ExternalID)
		s.graphError(w, http.StatusBadRequest, "invalid-request.json")
		return
	case !found:
		m, status = s.newMeeting(in, *in.ExternalID), http.StatusCreated
	}
	s.mu.Lock()
	lost := s.lose > 0
	if lost {
		s.lose--
	}
	s.mu.Unlock()
	if lost {
		w.WriteHeader(http.StatusGatewayTimeout) // as a gateway whose wait ran out
		return
	}
	s.writeMeeting(w, status, m)
}

// readCreate reads a create's body as Graph checks it.
func (s *Server) readCreate(w http.ResponseWriter, r *http.Request) (meetingBody, bool) {
	var in meetingBody
	if json.NewDecoder(r.Body).Decode(&in) != nil || r.Header.Get("Content-Type") != "application/json" {
		s.graphError(w, http.StatusBadRequest, "invalid-request.json")
		return in, false
	}
	start, ok1 := parseTime(in.StartDateTime)
	end, ok2 := parseTime(in.EndDateTime)
	if !ok1 || !ok2 || in.Subject == nil || !end.After(start) {
		s.graphError(w, http.StatusBadRequest, "invalid-request.json")
		return in, false
	}
	return in, true
}

// newMeeting makes and keeps a meeting from a checked create.
func (s *Server) newMeeting(in meetingBody, externalID string) Meeting {
	start, _ := parseTime(in.StartDateTime)
	end, _ := parseTime(in.EndDateTime)
	b := make([]byte, 30)
	rand.Read(b)
	thread := base64.RawURLEncoding.EncodeToString(b)
	m := &Meeting{
		ID:         "MSo" + base64.RawURLEncoding.EncodeToString([]byte(OrganizerID+"*0**19:meeting_"+thread+"@thread.v2")),
		JoinWebURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_" + url.PathEscape(thread) + "%40thread.v2/0?context=%7b%22Tid%22%3a%22" + Tenant + "%22%7d",
		Subject:    *in.Subject, Start: start, End: end, ExternalID: externalID,
	}
	s.mu.Lock()
	s.meetings[m.ID] = m
	s.order = append(s.order, m.ID)
	if externalID != "" {
		s.byExternal[externalID] = m.ID
	}
	s.mu.Unlock()
	return *m
}

// meeting answers GET, PATCH and DELETE on one meeting.
func (s *Server) meeting(w http.ResponseWriter, r *http.Request) {
	s.count(r.Method + " meetings")
	if !s.organizerOK(w, r) {
		return
	}
	s.mu.Lock()
	m, ok := s.meetings[r.PathValue("id")]
	if ok && m.Deleted {
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		s.graphError(w, http.StatusNotFound, "meeting-not-found.json")
		return
	}
	switch r.Method {
	case http.MethodDelete:
		s.mu.Lock()
		m.Deleted = true
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodPatch:
		var in meetingBody
		if json.NewDecoder(r.Body).Decode(&in) != nil {
			s.graphError(w, http.StatusBadRequest, "invalid-request.json")
			return
		}
		s.mu.Lock()
		if in.Subject != nil {
			m.Subject = *in.Subject
		}
		if t, ok := parseTime(in.StartDateTime); ok {
			m.Start = t
		}
		if t, ok := parseTime(in.EndDateTime); ok {
			m.End = t
		}
		s.mu.Unlock()
	}
	s.mu.Lock()
	cur := *m
	s.mu.Unlock()
	s.writeMeeting(w, http.StatusOK, cur)
}

// writeMeeting is the recorded onlineMeeting with m's values in place.
func (s *Server) writeMeeting(w http.ResponseWriter, status int, m Meeting) {
	var doc map[string]any
	if err := json.Unmarshal(s.fixture("online-meeting.json"), &doc); err != nil {
		s.t.Errorf("msgraphtest: online-meeting.json: %v", err)
	}
	const iso = "2006-01-02T15:04:05.0000000Z"
	doc["id"], doc["subject"], doc["joinWebUrl"], doc["joinUrl"] = m.ID, m.Subject, m.JoinWebURL, m.JoinWebURL
	if m.ExternalID != "" {
		doc["externalId"] = m.ExternalID
	}
	doc["startDateTime"], doc["endDateTime"] = m.Start.UTC().Format(iso), m.End.UTC().Format(iso)
	doc["creationDateTime"] = time.Now().UTC().Format(iso)
	writeJSON(w, status, doc)
}

// devices serves the two recorded pages of managedDevices. The first
// page's @odata.nextLink leads to the second, which answers 429 with
// Retry-After once (while throttling is on) before it is served.
func (s *Server) devices(w http.ResponseWriter, r *http.Request) {
	s.count("GET devices")
	if !s.authorised(w, r) {
		return
	}
	q := r.URL.Query()
	page := "managed-devices-page1.json"
	if q.Get("$skiptoken") != "" {
		if q.Get("$skiptoken") != "LastDeviceId='b3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d'" {
			s.graphError(w, http.StatusBadRequest, "invalid-request.json")
			return
		}
		s.mu.Lock()
		throttled := s.throttle
		s.throttle = false
		s.mu.Unlock()
		if throttled {
			w.Header().Set("Retry-After", "1")
			s.graphError(w, http.StatusTooManyRequests, "too-many-requests.json")
			return
		}
		page = "managed-devices-page2.json"
	}
	raw := bytes.ReplaceAll(s.fixture(page), []byte("{{base}}"), []byte(s.URL()))
	raw = bytes.ReplaceAll(raw, []byte("{{select}}"), []byte(url.QueryEscape(q.Get("$select"))))
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		s.t.Errorf("msgraphtest: %s: %v", page, err)
	}
	if sel := q.Get("$select"); sel != "" {
		keep := map[string]bool{}
		for _, f := range strings.Split(sel, ",") {
			keep[strings.TrimSpace(f)] = true
		}
		for _, v := range doc["value"].([]any) {
			for k := range v.(map[string]any) {
				if !keep[k] {
					delete(v.(map[string]any), k)
				}
			}
		}
		doc["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#deviceManagement/managedDevices(" + sel + ")"
	}
	writeJSON(w, http.StatusOK, doc)
}
