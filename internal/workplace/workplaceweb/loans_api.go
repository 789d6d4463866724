package workplaceweb

import (
	"net/http"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

var (
	tagLoans    = []string{"loans"}
	loanIDParam = web.Param{Name: "id", In: "path", Required: true, Description: "The loan's ID (lon_...)."}
	cursorQuery = web.Param{Name: "cursor", In: "query", Description: "next_cursor of the previous page"}
	limitQuery  = web.Param{Name: "limit", In: "query", Schema: web.Schema{"type": "integer", "minimum": 1, "maximum": 200}}
)

// CollectInput and ReturnInput are the bodies of the collect and return calls.
type CollectInput struct {
	Condition string `json:"condition,omitempty"`
}

type ReturnInput struct {
	Condition string `json:"condition,omitempty"`
	Damaged   bool   `json:"damaged,omitempty"`
}

func (p *assetsPart) loansAPI(api *web.API) {
	read, write := []string{platform.ScopeRead}, []string{platform.ScopeWrite}
	api.HandleFunc("GET /api/v1/loans", web.Op{Summary: "List equipment loans", OperationID: "listLoans", Tags: tagLoans, Scopes: read,
		Description: "Workplace managers see every loan; anyone else their own. Latest first day first.",
		Params: []web.Param{{Name: "view", In: "query", Description: "due (to hand over), upcoming, out, overdue or returned; empty: all"},
			{Name: "person", In: "query", Description: "A borrower's user ID (workplace managers)"}, {Name: "case", In: "query", Description: "An equipment request's case ID"},
			cursorQuery, limitQuery},
		Responses: map[int]web.Response{200: {Description: "One page.", Schema: web.SchemaOf(web.List[workplace.Loan]{})}},
	}, p.apiLoans)
	api.HandleFunc("POST /api/v1/loans", web.Op{Summary: "Reserve equipment", OperationID: "createLoan", Tags: tagLoans, Scopes: write,
		Description: "Reserves an item (resource_id) or any free item of a category for whole days, from and to inclusive (YYYY-MM-DD, the council's local dates). " +
			"person_id lends to someone else (their unit's managers and workplace managers). An item taken on any of the days is 409 naming the day.",
		Request:   web.SchemaOf(workplace.LoanInput{}),
		Responses: map[int]web.Response{201: {Description: "The loan; Location names it.", Schema: web.SchemaOf(workplace.Loan{})}},
	}, p.apiCreateLoan)
	api.HandleFunc("GET /api/v1/loans/{id}", web.Op{Summary: "Get a loan", OperationID: "getLoan", Tags: tagLoans, Scopes: read, Params: []web.Param{loanIDParam},
		Responses: map[int]web.Response{200: {Description: "The loan.", Schema: web.SchemaOf(workplace.Loan{})}},
	}, p.apiLoan)
	api.HandleFunc("POST /api/v1/loans/{id}/collect", web.Op{Summary: "Hand an item over", OperationID: "collectLoan", Tags: tagLoans, Scopes: write,
		Params: []web.Param{loanIDParam}, Request: web.SchemaOf(CollectInput{}), Description: "Workplace managers. Before the first day, the loan then starts today if the item is free.",
		Responses: map[int]web.Response{200: {Description: "The loan.", Schema: web.SchemaOf(workplace.Loan{})}},
	}, p.apiCollect)
	api.HandleFunc("POST /api/v1/loans/{id}/return", web.Op{Summary: "Take an item back", OperationID: "returnLoan", Tags: tagLoans, Scopes: write,
		Params: []web.Param{loanIDParam}, Request: web.SchemaOf(ReturnInput{}), Description: "Workplace managers. Days still ahead are freed for others.",
		Responses: map[int]web.Response{200: {Description: "The loan.", Schema: web.SchemaOf(workplace.Loan{})}},
	}, p.apiReturn)
	api.HandleFunc("POST /api/v1/loans/{id}/cancel", web.Op{Summary: "Cancel a reservation", OperationID: "cancelLoan", Tags: tagLoans, Scopes: write,
		Params: []web.Param{loanIDParam}, Description: "The borrower, their unit's managers or workplace managers; only before collection.",
		Responses: map[int]web.Response{200: {Description: "The loan.", Schema: web.SchemaOf(workplace.Loan{})}},
	}, p.apiCancel)
}

func (p *assetsPart) apiLoans(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := web.ParseLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	after, err := cursorParam(r)
	if err != nil {
		return err
	}
	page, err := p.a.Loans(r.Context(), sub, workplace.LoanFilter{View: q.Get("view"), PersonID: q.Get("person"), CaseID: q.Get("case"), After: after, Limit: limit})
	if err != nil {
		return err
	}
	out := web.List[workplace.Loan]{Items: page.Loans}
	if out.Items == nil {
		out.Items = []workplace.Loan{}
	}
	if page.Next != "" {
		out.NextCursor = web.EncodeCursor(page.Next)
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (p *assetsPart) apiCreateLoan(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in workplace.LoanInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	l, err := p.a.Reserve(r.Context(), sub, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/loans/"+l.ID)
	return web.WriteJSON(w, http.StatusCreated, l)
}

func (p *assetsPart) apiLoan(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	l, err := p.a.Loan(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, l)
}

func (p *assetsPart) apiCollect(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in CollectInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	l, err := p.a.Collect(r.Context(), sub, r.PathValue("id"), in.Condition)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, l)
}

func (p *assetsPart) apiReturn(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in ReturnInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	l, err := p.a.Return(r.Context(), sub, r.PathValue("id"), in.Condition, in.Damaged)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, l)
}

func (p *assetsPart) apiCancel(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	l, err := p.a.Cancel(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, l)
}
