package web

import "net/http"

// Confirm is the question asked before something that cannot be undone
// (revoking a key, discarding a draft, deleting a document, cancelling a
// range of bookings): the page says what will happen, and its form posts
// confirm=yes, with the CSRF token, to Action. Handlers act only on a
// POST carrying confirm=yes (see Confirmed), so an old form or a stray
// tap shows the question again instead of acting.
//
// Only Title, Action, Button and Back are needed; the rest is shown when
// set. When a change reaches many things (the bookings a withdrawal
// cancels), Table lists them: the table component, so it scrolls inside
// its own labelled, focusable box at 320 px instead of widening the page.
type Confirm struct {
	Caption string   // what it is about: the document's, service's or envelope's name
	Title   string   // the question: "Delete the document?"
	Lead    []string // paragraphs before the warning: what it is, what goes with it
	Warning string   // what happens and that it cannot be undone
	Table   Table    // what it reaches, shown when it has rows
	More    int      // rows left out of Table, said under it ("And 3 more.")
	After   []string // paragraphs after the table, before the buttons
	Action  string   // where the answer is posted
	Hidden  []Hidden // fields posted back with the answer (the form's own, such as dates)
	Button  string   // "Yes, delete the document"
	Back    string   // where "No, go back" leads
}

// Hidden is a field a Confirm page's form posts back as it was given, so
// the answer carries what the question was about. The page adds confirm
// and the CSRF token itself.
type Hidden struct{ Name, Value string }

// RenderConfirm shows the question.
func RenderConfirm(w http.ResponseWriter, r *http.Request, c Confirm) error {
	return Render(w, r, http.StatusOK, "web/confirm", c)
}

// Confirmed reports whether r is the answer yes to a Confirm page.
func Confirmed(r *http.Request) bool {
	return r.Method == http.MethodPost && r.PostFormValue("confirm") == "yes"
}
