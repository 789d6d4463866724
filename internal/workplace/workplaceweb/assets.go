package workplaceweb

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/mail"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

// assetsPart is the module's assets part: equipment loans (/loans, with
// the equipment collection service's requests followed through events)
// and the device inventory (/devices).
type assetsPart struct {
	m         *Module
	a         *workplace.Assets
	requests  EquipmentRequests        // the services engine, wired by cmd/dbtp; nil: requests are not followed
	intune    workplace.ManagedDevices // Microsoft Graph, wired by cmd/dbtp; nil: no Intune import
	reminders int                      // overdue reminders sent at most
}

// UseEquipmentRequests lets the loans follow the equipment collection
// service's requests (cmd/dbtp adapts the services engine). Call it
// before Init.
func (m *Module) UseEquipmentRequests(r EquipmentRequests) { m.assets.requests = r }

// UseIntune gives the device inventory its Intune import; without it,
// the DBTP_WORKPLACE_GRAPH_* settings set one up. Call it before Init.
func (m *Module) UseIntune(src workplace.ManagedDevices) { m.assets.intune = src }

// FollowEquipmentRequest brings a request's loans into line with its
// state, as its case events do (for the composition root and tests).
func (m *Module) FollowEquipmentRequest(ctx context.Context, orgID, caseID string) error {
	return m.assets.FollowRequest(ctx, orgID, caseID)
}

// Assets is the built loans and devices engine, for the composition root
// and tests.
func (m *Module) Assets() *workplace.Assets { return m.assets.a }

const (
	jobLoansDaily   = "workplace.loans_daily"
	jobLoanReminder = "workplace.loan_reminder"
	// defaultReminders is how many overdue reminders a borrower gets
	// (DBTP_WORKPLACE_LOAN_REMINDERS changes it).
	defaultReminders = 3
)

func (p *assetsPart) init(ctx context.Context, m *Module) error {
	p.m, p.a = m, m.ws.Assets(m.d.Directory)
	p.reminders = defaultReminders
	if err := p.intuneFromEnv(); err != nil {
		return err
	}
	if v := m.d.Config.Getenv; v != nil {
		if s := v("DBTP_WORKPLACE_LOAN_REMINDERS"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > 100 {
				return fmt.Errorf("DBTP_WORKPLACE_LOAN_REMINDERS must be a whole number from 0 to 100, not %q", s)
			}
			p.reminders = n
		}
	}
	q := m.d.Jobs
	if q == nil {
		return nil
	}
	if err := q.Handle(jobLoansDaily, jobs.Kind{Label: "Remind borrowers of overdue equipment and lapse uncollected reservations", Handler: p.daily}); err != nil {
		return err
	}
	if err := q.Every(jobLoansDaily, jobLoansDaily, 24*time.Hour); err != nil {
		return err
	}
	if err := q.Handle(jobLoanReminder, jobs.Kind{Label: "Email an overdue equipment reminder", Handler: p.remind}); err != nil {
		return err
	}
	return p.subscribe(m)
}

// daily runs the loans' daily work; each reminder's email is a job of its
// own, enqueued in the write that counts it.
func (p *assetsPart) daily(ctx context.Context, _ jobs.Job) error {
	run, err := p.a.RunDaily(ctx, p.reminders, func(tx *store.Tx, r workplace.Reminder) error {
		_, err := p.m.d.Jobs.Enqueue(ctx, tx, jobs.Enqueued{Kind: jobLoanReminder, OrgID: r.Loan.OrgID,
			Args: reminderArgs{LoanID: r.Loan.ID, Number: r.Number}, Key: fmt.Sprintf("%s:%d", r.Loan.ID, r.Number)})
		return err
	})
	if run.Reminded > 0 || run.Lapsed > 0 {
		p.m.d.Log.Info("equipment loans", "reminders", run.Reminded, "lapsed", run.Lapsed)
	}
	return err
}

type reminderArgs struct {
	LoanID string `json:"loan_id"`
	Number int    `json:"number"`
}

// remind emails the borrower of an overdue item. Without a mail relay the
// reminder is logged instead, so a council without one still sees who is
// overdue (and stores see them on the overdue list).
func (p *assetsPart) remind(ctx context.Context, j jobs.Job) error {
	var args reminderArgs
	if err := j.Decode(&args); err != nil {
		return jobs.Permanent(err)
	}
	l, err := p.a.LoanForSystem(ctx, j.OrgID, args.LoanID)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if l.Status != workplace.LoanCollected {
		return nil // returned since
	}
	person, err := p.m.d.Directory.Person(ctx, platform.System(l.OrgID), l.PersonID)
	if err != nil && platform.CodeOf(err) != platform.CodeNotFound {
		return err
	}
	msg := reminderMessage(l, args.Number, p.reminders, p.m.d.Config.BaseURL, p.m.d.Config.CouncilName)
	if p.m.d.Mail == nil || person.Email == "" || person.Disabled {
		p.m.d.Log.Info("overdue equipment reminder not emailed (no mail relay or no address)", "loan", l.ID, "person", l.PersonID, "reminder", args.Number)
		return nil
	}
	msg.To = person.Email
	return p.m.d.Mail.Send(ctx, msg)
}

func reminderMessage(l workplace.Loan, n, of int, base, council string) mail.Message {
	item := l.ResourceName
	if l.AssetTag != "" {
		item += " (asset tag " + l.AssetTag + ")"
	}
	body := fmt.Sprintf("Hello %s,\n\n%s was due back on %s. Please return it to stores as soon as you can, or ask them to extend the loan.\n\n"+
		"This is reminder %d of %d.", l.PersonName, item, l.To, n, of)
	if base != "" {
		body += "\n\nYour loans: " + base + "/loans"
	}
	if council != "" {
		body += "\n\n" + council
	}
	return mail.Message{Subject: "Equipment overdue: " + l.ResourceName, Text: body}
}

func (p *assetsPart) web(srv *web.Server, m *Module) error {
	rt, api := srv.Router(), srv.API()
	rt.Handle("GET /loans", web.RequireSignedInFunc(p.loansPage))
	rt.Handle("GET /loans/new", web.RequireSignedInFunc(p.newLoanPage))
	rt.HandleFunc("POST /loans/new", p.createLoan)
	rt.Handle("GET /loans/{id}", web.RequireSignedInFunc(p.loanPage))
	rt.HandleFunc("POST /loans/{id}/collect", p.collectLoan)
	rt.HandleFunc("POST /loans/{id}/return", p.returnLoan)
	rt.HandleFunc("POST /loans/{id}/cancel", p.cancelLoan)
	rt.Handle("GET /devices", web.RequireSignedInFunc(p.devicesPage))
	rt.Handle("GET /devices/export.csv", web.RequireSignedInFunc(p.exportDevices))
	rt.Handle("GET /devices/new", web.RequireSignedInFunc(p.newDevicePage))
	rt.HandleFunc("POST /devices/new", p.createDevice)
	rt.Handle("GET /devices/import", web.RequireSignedInFunc(p.importPage))
	rt.HandleFunc("POST /devices/import", p.importDevices, web.MaxBody(maxImportBytes))
	rt.Handle("GET /devices/import/example.csv", web.RequireSignedInFunc(p.exampleCSV))
	rt.HandleFunc("POST /devices/import/intune", p.importIntune)
	rt.Handle("GET /devices/{id}", web.RequireSignedInFunc(p.devicePage))
	rt.HandleFunc("POST /devices/{id}", p.updateDevice)
	rt.HandleFunc("POST /devices/{id}/retire", p.retireDevice)
	p.loansAPI(api)
	p.devicesAPI(api)
	return nil
}

func (p *assetsPart) start(ctx context.Context, m *Module) error { return nil }

// assetsStatus is the status a refused form is shown again with.
func assetsStatus(err error) int {
	switch platform.CodeOf(err) {
	case platform.CodeInvalid:
		return http.StatusUnprocessableEntity
	case platform.CodeConflict:
		return http.StatusConflict
	case platform.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// assetsShownAgain reports whether a refusal is one a form shows beside what
// was typed, rather than an error page.
func assetsShownAgain(err error) bool {
	c := platform.CodeOf(err)
	return c == platform.CodeInvalid || c == platform.CodeConflict
}
