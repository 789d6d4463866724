package platform

import "time"

// OrgKind distinguishes the council from the bodies it works with; each is a
// hard boundary for data.
type OrgKind string

const (
	OrgCouncil        OrgKind = "council"
	OrgTradingCompany OrgKind = "trading-company"
	OrgPartner        OrgKind = "partner"
)

// ParseOrgKind accepts an OrgKind name.
func ParseOrgKind(s string) (OrgKind, bool) {
	switch OrgKind(s) {
	case OrgCouncil, OrgTradingCompany, OrgPartner:
		return OrgKind(s), true
	}
	return "", false
}

// Org is an organisation: the council, one of its trading companies or a partner.
type Org struct {
	ID        string    `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	Kind      OrgKind   `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
}
