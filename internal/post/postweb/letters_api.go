package postweb

import (
	"net/http"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/web"
)

var tagPreferences = []string{"post: contact preferences"}

func (p *lettersPart) routeAPI(api *web.API) {
	read, write := []string{platform.ScopeRead}, []string{platform.ScopeWrite}
	prefs := map[int]web.Response{200: {Description: "The preferences; a person who never said anything has no updated_at.", Schema: web.SchemaOf(post.Preferences{})}}
	personID := web.Param{Name: "id", In: "path", Required: true, Description: "The person's ID."}
	api.HandleFunc("GET /api/v1/post/preferences", web.Op{Summary: "Your contact preferences", OperationID: "getOwnPostPreferences",
		Description: "The preferences of the person the token belongs to.", Tags: tagPreferences, Scopes: read, Responses: prefs}, p.apiMine)
	api.HandleFunc("PUT /api/v1/post/preferences", web.Op{Summary: "Set your contact preferences", OperationID: "putOwnPostPreferences",
		Description: "Replaces them. consent false says no to messages that are not statutory.", Tags: tagPreferences, Scopes: write,
		Request: web.SchemaOf(post.PreferencesInput{}), Responses: prefs}, p.apiSetMine)
	api.HandleFunc("GET /api/v1/post/people/{id}/preferences", web.Op{Summary: "A person's contact preferences", OperationID: "getPostPreferences",
		Description: "For the council's staff.", Tags: tagPreferences, Scopes: read, Params: []web.Param{personID}, Responses: prefs}, p.apiPerson)
	api.HandleFunc("PUT /api/v1/post/people/{id}/preferences", web.Op{Summary: "Record a person's contact preferences", OperationID: "putPostPreferences",
		Description: "For staff who send post, recording what the person asked for; audited.", Tags: tagPreferences, Scopes: write,
		Params: []web.Param{personID}, Request: web.SchemaOf(post.PreferencesInput{}), Responses: prefs}, p.apiSetPerson)
	api.HandleFunc("POST /api/v1/post/unsubscribe/{token}", web.Op{Summary: "Unsubscribe in one click", OperationID: "postUnsubscribe",
		Description: "RFC 8058's List-Unsubscribe-Post target: the token from a message's unsubscribe link says no to messages that are not statutory, without signing in. Any body is ignored.",
		Tags:        tagPreferences, Public: true, Params: []web.Param{{Name: "token", In: "path", Required: true, Description: "The token from the link."}},
		Responses: map[int]web.Response{204: {Description: "Unsubscribed (or already)."}}}, p.apiUnsubscribe)
}

// person is the token's owner: their own preferences need one.
func prefsSubject(r *http.Request) (*platform.Subject, error) {
	sub := web.SubjectOf(r)
	if sub == nil || sub.UserID == "" {
		return nil, platform.Errorf(platform.CodeUnauthorized, "Sign in, or send a token, to see your contact preferences")
	}
	return sub, nil
}

func (p *lettersPart) apiMine(w http.ResponseWriter, r *http.Request) error {
	sub, err := prefsSubject(r)
	if err != nil {
		return err
	}
	prefs, err := p.m.ps.PersonPreferences(r.Context(), sub, sub.UserID)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, prefs)
}

func (p *lettersPart) apiSetMine(w http.ResponseWriter, r *http.Request) error {
	sub, err := prefsSubject(r)
	if err != nil {
		return err
	}
	var in post.PreferencesInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	prefs, err := p.m.ps.SetPreferences(r.Context(), sub, sub.UserID, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, prefs)
}

func (p *lettersPart) apiPerson(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	who, err := p.m.d.Directory.Person(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	prefs, err := p.m.ps.PersonPreferences(r.Context(), sub, who.ID)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, prefs)
}

func (p *lettersPart) apiSetPerson(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	who, err := p.m.d.Directory.Person(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	var in post.PreferencesInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	prefs, err := p.m.ps.SetPreferences(r.Context(), sub, who.ID, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, prefs)
}

func (p *lettersPart) apiUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	if _, err := p.m.ps.Unsubscribe(r.Context(), r.PathValue("token")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
