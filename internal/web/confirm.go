package web

import "net/http"

// Confirm is the question asked before something that cannot be undone
// (revoking a key, discarding a draft, deleting a document): the page
// says what will happen, and its form posts confirm=yes, with the CSRF
// token, to Action. Handlers act only on a POST carrying confirm=yes
// (see Confirmed), so an old form or a stray tap shows the question
// again instead of acting.
type Confirm struct {
	Caption string // what it is about: the document's, service's or envelope's name
	Title   string // the question: "Delete the document?"
	Warning string // what happens and that it cannot be undone
	Action  string // where the answer is posted
	Button  string // "Yes, delete the document"
	Back    string // where "No, go back" leads
}

// RenderConfirm shows the question.
func RenderConfirm(w http.ResponseWriter, r *http.Request, c Confirm) error {
	return Render(w, r, http.StatusOK, "web/confirm", c)
}

// Confirmed reports whether r is the answer yes to a Confirm page.
func Confirmed(r *http.Request) bool {
	return r.Method == http.MethodPost && r.PostFormValue("confirm") == "yes"
}
