package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// PocketBase prepares a PocketBase server (github.com/pocketbase/pocketbase)
// for the write comparison: as its superuser it creates a "complaints"
// collection with the complaint form's fields whose create rule needs a
// signed-in user, and a user to sign in as. It returns a client holding that
// user's token. Run it against a fresh data directory.
func PocketBase(ctx context.Context, base, adminEmail, adminPassword string) (*Client, error) {
	tr := newTransport()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	admin := &Client{base: base, http: hc}
	tok, err := pbAuth(ctx, admin, "_superusers", adminEmail, adminPassword)
	if err != nil {
		return nil, fmt.Errorf("pocketbase superuser sign-in: %w", err)
	}
	admin.token = tok
	text := func(name string, required bool) map[string]any {
		return map[string]any{"name": name, "type": "text", "required": required}
	}
	coll, _ := json.Marshal(map[string]any{
		"name": "complaints", "type": "base",
		"createRule": `@request.auth.id != ""`, "viewRule": `@request.auth.id != ""`,
		"fields": []any{text("name", true), map[string]any{"name": "email", "type": "email", "required": true},
			text("service_area", true), text("details", true), text("complained_before", true), text("desired_outcome", true),
			map[string]any{"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1}},
	})
	if _, err := admin.PostJSON(ctx, "/api/collections", coll, http.StatusOK); err != nil {
		return nil, fmt.Errorf("pocketbase collection: %w", err)
	}
	const email, password = "resident@bench.example", "bench-password-1234"
	user, _ := json.Marshal(map[string]any{"email": email, "password": password, "passwordConfirm": password, "verified": true})
	if _, err := admin.PostJSON(ctx, "/api/collections/users/records", user, http.StatusOK); err != nil {
		return nil, fmt.Errorf("pocketbase user: %w", err)
	}
	c := &Client{base: base, http: hc}
	if c.token, err = pbAuth(ctx, c, "users", email, password); err != nil {
		return nil, fmt.Errorf("pocketbase user sign-in: %w", err)
	}
	return c, nil
}

func pbAuth(ctx context.Context, c *Client, collection, email, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"identity": email, "password": password})
	b, err := c.PostJSON(ctx, "/api/collections/"+collection+"/auth-with-password", body, http.StatusOK)
	if err != nil {
		return "", err
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Token == "" {
		return "", fmt.Errorf("no token in the answer")
	}
	return out.Token, nil
}

// PocketBaseCreate creates one complaint record as the signed-in user: the
// same answers as a dbtp submission, checked against the auth rule.
func PocketBaseCreate(ctx context.Context, c *Client, n int) error {
	body, _ := json.Marshal(map[string]any{"name": "Bench Resident", "email": "resident@bench.example", "service_area": "waste",
		"details":           "Missed collection number " + strconv.Itoa(n) + " on our street this month.",
		"complained_before": "no", "desired_outcome": "Collect the bins and say sorry."})
	_, err := c.PostJSON(ctx, "/api/collections/complaints/records", body, http.StatusOK)
	return err
}

// Submitter is a bearer-token client for dbtp's API, for the write phase.
func Submitter(base, token string) *Client {
	return &Client{base: base, http: &http.Client{Transport: newTransport(), Timeout: 30 * time.Second}, token: token}
}

// Submit is one complaint submitted through dbtp's API.
func Submit(ctx context.Context, c *Client, n int) error { return apiSubmit(ctx, c, n) }
