package definition

// Answers are the values of a case's fields, keyed by field ID, in canonical
// form. They are stored as JSON, so every value is one of these shapes:
//
//	text, long_text, email, uk_phone, uk_postcode, choice, yes_no ("yes"/"no"),
//	date ("YYYY-MM-DD"), person (user ID), number (decimal string, e.g. "12.5"):
//	    string
//	money: int64 pence (JSON number)
//	checkboxes: []string of option values
//	address: Address
//	file: File
//
// forms.Decode produces them from a submitted page; the engine stores them;
// the templates and the API show them.
type Answers map[string]any

// Address is a UK postal address; UPRN is the Unique Property Reference
// Number when the address came from a gazetteer.
type Address struct {
	Line1    string `json:"line1"`
	Line2    string `json:"line2,omitempty"`
	Town     string `json:"town"`
	Postcode string `json:"postcode"`
	UPRN     string `json:"uprn,omitempty"`
}

// File is an uploaded file's metadata; the content lives in the engine's
// attachment store under ID.
type File struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
}
