package web

import (
	"net/http"
	"net/url"
	"slices"

	"dbtp/internal/platform"
)

// Form is the state of an HTML form being shown again: what the person
// typed and what needs fixing. Its methods are nil-safe so templates can use
// them whether or not a form was submitted.
type Form struct {
	Input   url.Values            // values as typed
	Message string                // overall message when the error names no field
	Errors  []platform.FieldError // in the order the fields appear on the page
}

// NewForm starts a form pre-filled with values (for an edit page).
func NewForm(values url.Values) *Form { return &Form{Input: values} }

// FormErrors turns a failed submission into form state: the values typed
// (from the parsed body; never the CSRF token) and, from a *platform.Error,
// the per-field messages for the error summary and the fields. An error
// without fields becomes the summary's only message.
func FormErrors(r *http.Request, err error) *Form {
	f := &Form{Input: url.Values{}}
	for k, v := range r.PostForm {
		if k != CSRFField {
			f.Input[k] = slices.Clone(v)
		}
	}
	if err == nil {
		return f
	}
	e := platform.AsError(err)
	f.Errors = slices.Clone(e.Fields)
	if len(f.Errors) == 0 {
		f.Message = e.Message
		if e.Code == platform.CodeInternal {
			f.Message = "Something went wrong on our side. Try again later."
		}
	}
	return f
}

// FormState lets a page struct that embeds *Form hand it to the layout.
func (f *Form) FormState() *Form { return f }

// Value is the first value typed for a field.
func (f *Form) Value(name string) string {
	if f == nil {
		return ""
	}
	return f.Input.Get(name)
}

// Has reports whether value was chosen for a field (checkboxes, radios,
// select options).
func (f *Form) Has(name, value string) bool {
	return f != nil && slices.Contains(f.Input[name], value)
}

// Error is the message for one field, or "".
func (f *Form) Error(name string) string {
	if f == nil {
		return ""
	}
	for _, e := range f.Errors {
		if e.Field == name {
			return e.Message
		}
	}
	return ""
}

// HasErrors reports whether the page should show the error summary (and
// prefix its title with "Error:", as GOV.UK pages do).
func (f *Form) HasErrors() bool { return f != nil && (len(f.Errors) > 0 || f.Message != "") }

// Option is one choice in a select, radios or checkboxes component.
type Option struct {
	Value string
	Text  string
	Hint  string
}

// SummaryRow is one row of a summary list, with an optional change link.
type SummaryRow struct {
	Key        string
	Value      string
	Href       string // action link, if any
	ActionText string // e.g. "Change"; the Key is added as visually hidden text
}

// Table is the data of the table component.
type Table struct {
	Caption string
	// CaptionHidden keeps the caption for screen readers only, where a
	// heading just above already says the same to everyone.
	CaptionHidden bool
	Head          []Cell
	Rows          [][]Cell
}

// Cell is one table cell; Href makes its text a link.
type Cell struct {
	Text    string
	Href    string
	Numeric bool
}

// Banner is the data of the notification banner component.
type Banner struct {
	Title   string // defaults to "Important", or "Success" when Success
	Heading string
	Body    string
	Success bool
}

// Pagination is the data of the pagination component; empty URLs hide the link.
type Pagination struct {
	Prev string
	Next string
}
