package portal

import (
	"net/http"

	"dbtp/internal/platform"
)

// journeyOf finds the journey a request belongs to: staff acting for a
// resident (assisted), a partner under an agreement (partnerJourney).
type journeyOf func(*http.Request, *platform.Subject) (*journey, error)

type handler = func(http.ResponseWriter, *http.Request, *platform.Subject) error

// journeyGet serves the start and check-answers pages of such a journey.
func (p *portal) journeyGet(of journeyOf) handler {
	return func(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
		j, err := of(r, sub)
		if err != nil {
			return err
		}
		switch r.PathValue("action") {
		case "start":
			return p.start(w, r, j)
		case "check-answers":
			return p.checkAnswers(w, r, j, http.StatusOK, nil)
		}
		return platform.NotFound("page")
	}
}

// journeyPage serves a question page, and journeyPagePost its answers.
func (p *portal) journeyPage(of journeyOf) handler {
	return func(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
		j, err := of(r, sub)
		if err != nil {
			return err
		}
		return p.page(w, r, j, r.PathValue("page"), http.StatusOK, nil)
	}
}

func (p *portal) journeyPagePost(of journeyOf) handler {
	return func(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
		j, err := of(r, sub)
		if err != nil {
			return err
		}
		return p.pagePost(w, r, j, r.PathValue("page"))
	}
}

// journeyConfirmation serves the page after submission.
func (p *portal) journeyConfirmation(of journeyOf) handler {
	return func(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
		j, err := of(r, sub)
		if err != nil {
			return err
		}
		return p.confirmation(w, r, j, r.PathValue("reference"))
	}
}
