package msgraph

import (
	"context"
	"net/url"
	"strings"
	"time"

	"dbtp/internal/platform"
)

// MeetingInput is what a Teams meeting is made or changed from.
type MeetingInput struct {
	Subject    string
	Start, End time.Time
}

// OnlineMeeting is the part of Graph's onlineMeeting resource dbtp keeps.
type OnlineMeeting struct {
	ID                    string    `json:"id"`
	Subject               string    `json:"subject"`
	StartDateTime         time.Time `json:"startDateTime"`
	EndDateTime           time.Time `json:"endDateTime"`
	JoinWebURL            string    `json:"joinWebUrl"`
	ExternalID            string    `json:"externalId,omitempty"`
	VideoTeleconferenceID string    `json:"videoTeleconferenceId"`
	JoinMeetingIDSettings struct {
		JoinMeetingID string `json:"joinMeetingId"`
		Passcode      string `json:"passcode"`
	} `json:"joinMeetingIdSettings"`
}

// meetingBody is the request body of a create or update.
type meetingBody struct {
	Subject       string `json:"subject"`
	StartDateTime string `json:"startDateTime"`
	EndDateTime   string `json:"endDateTime"`
	ExternalID    string `json:"externalId,omitempty"` // createOrGet only
}

func (in MeetingInput) body() (meetingBody, error) {
	subject := strings.TrimSpace(in.Subject)
	if subject == "" || !in.End.After(in.Start) {
		return meetingBody{}, platform.Errorf(platform.CodeInvalid, "A meeting needs a subject and an end after its start")
	}
	const iso = "2006-01-02T15:04:05Z"
	return meetingBody{Subject: subject, StartDateTime: in.Start.UTC().Format(iso), EndDateTime: in.End.UTC().Format(iso)}, nil
}

// MeetingsOn reports whether online meetings can be made: an organizer is
// configured.
func (c *Client) MeetingsOn() bool { return c.cfg.Organizer != "" }

func (c *Client) meetingsURL() (string, error) {
	if c.cfg.Organizer == "" {
		return "", notConfigured(EnvOrganizer + " (the account online meetings are created under) is not set")
	}
	return c.cfg.BaseURL + "/users/" + url.PathEscape(c.cfg.Organizer) + "/onlineMeetings", nil
}

// CreateOrGetMeeting creates a Teams meeting under the organizer with
// the caller's externalID, or returns the one already made with it:
// POST /users/{organizer}/onlineMeetings/createOrGet, which answers 201
// when it made the meeting and 200 when it found it. So asking again
// after an answer that was lost (a timeout, a node that died before
// saving it) yields the same meeting, never a second. Graph keys the ID
// by tenant, organizer and externalID. Graph documents that this needs the
// OnlineMeetings.ReadWrite.All application permission and an application
// access policy granted to the organizer. A meeting found may carry the
// subject and times it was made with; UpdateMeeting brings them up to date.
func (c *Client) CreateOrGetMeeting(ctx context.Context, externalID string, in MeetingInput) (OnlineMeeting, error) {
	base, err := c.meetingsURL()
	if err != nil {
		return OnlineMeeting{}, err
	}
	body, err := in.body()
	if err != nil {
		return OnlineMeeting{}, err
	}
	if body.ExternalID = strings.TrimSpace(externalID); body.ExternalID == "" {
		return OnlineMeeting{}, platform.Errorf(platform.CodeInvalid, "A meeting made with createOrGet needs an external ID")
	}
	var m OnlineMeeting
	if err := c.call(ctx, "POST", base+"/createOrGet", body, &m, "online meetings"); err != nil {
		return OnlineMeeting{}, err
	}
	if m.ID == "" || m.JoinWebURL == "" {
		return OnlineMeeting{}, unavailable(errUnexpected("an online meeting without an id or joinWebUrl"))
	}
	return m, nil
}

// UpdateMeeting changes a meeting's subject and times:
// PATCH /users/{organizer}/onlineMeetings/{id}.
func (c *Client) UpdateMeeting(ctx context.Context, id string, in MeetingInput) (OnlineMeeting, error) {
	base, err := c.meetingsURL()
	if err != nil {
		return OnlineMeeting{}, err
	}
	body, err := in.body()
	if err != nil {
		return OnlineMeeting{}, err
	}
	var m OnlineMeeting
	if err := c.call(ctx, "PATCH", base+"/"+url.PathEscape(id), body, &m, "online meeting "+id); err != nil {
		return OnlineMeeting{}, err
	}
	return m, nil
}

// DeleteMeeting deletes a meeting: DELETE /users/{organizer}/onlineMeetings/{id}.
// A meeting Graph no longer has counts as deleted.
func (c *Client) DeleteMeeting(ctx context.Context, id string) error {
	base, err := c.meetingsURL()
	if err != nil {
		return err
	}
	err = c.call(ctx, "DELETE", base+"/"+url.PathEscape(id), nil, nil, "online meeting "+id)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return nil
	}
	return err
}

type errUnexpected string

func (e errUnexpected) Error() string { return "graph: unexpected answer: " + string(e) }
