package app

import (
	"context"
	"fmt"
	"time"

	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/policy"
)

// CreateAgency validates and stores a new agency.
func (s *Catalog) CreateAgency(ctx context.Context, p domain.Principal, a domain.Agency) (*domain.Agency, error) {
	if err := policy.RequireRole(p, policy.Admins()...); err != nil {
		return nil, err
	}
	if a.TimeZone == "" {
		a.TimeZone = domain.DefaultTimeZone
	}
	if len(a.WorkingHours) == 0 {
		a.WorkingHours = domain.DefaultWorkingHours
	}
	var v domain.Violations
	if _, err := a.Location(); err != nil {
		v.Add("agency.time_zone", "unknown time zone %q (use an IANA name such as Asia/Ho_Chi_Minh)", a.TimeZone)
	} else if _, err := calendar.New(calendar.Config{Hours: periods(a.WorkingHours)}); err != nil {
		v.Add("agency.working_hours", "%v", err)
	}
	if a.ParentCode == a.Code {
		v.Add("agency.parent_code", "an agency cannot be its own parent")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	a.CreatedAt = s.Now()
	if err := s.st.CreateAgency(ctx, &a); err != nil {
		if isNotFound(err) {
			return nil, domain.Invalid("agency.parent_code", "no agency has code %q", a.ParentCode)
		}
		return nil, err
	}
	return &a, nil
}

// GetAgency returns an agency.
func (s *Catalog) GetAgency(ctx context.Context, code string) (*domain.Agency, error) {
	return s.st.GetAgency(ctx, code)
}

// ListAgencies returns a page of agencies.
func (s *Catalog) ListAgencies(ctx context.Context, f AgencyFilter, pageSize int, token string) ([]domain.Agency, string, error) {
	return keysetPage(f, pageSize, 100, token,
		func(after string, limit int) ([]domain.Agency, error) {
			return s.st.ListAgencies(ctx, f, after, limit)
		},
		func(a *domain.Agency) string { return a.Code })
}

// CreateProcedure validates and stores a procedure with its first version.
func (s *Catalog) CreateProcedure(ctx context.Context, p domain.Principal, proc domain.Procedure, v domain.ProcedureVersion) (*domain.Procedure, error) {
	if err := policy.RequireRole(p, policy.Admins()...); err != nil {
		return nil, err
	}
	now := s.Now()
	if v.EffectiveAt.IsZero() {
		v.EffectiveAt = now
	}
	v.Version, v.CreatedAt, v.EndAt = 1, now, time.Time{}
	proc.CreatedAt = now
	proc.Versions = []domain.ProcedureVersion{v}
	err := s.st.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.st.GetAgency(ctx, proc.AgencyCode); err != nil {
			if isNotFound(err) {
				return domain.Invalid("procedure.agency_code", "no agency has code %q", proc.AgencyCode)
			}
			return err
		}
		viol, err := s.workflowUnitViolations(ctx, domain.ValidateFormSpec("version.form", v.Form), "version.workflow", v.Workflow)
		if err != nil {
			return err
		}
		if err := viol.Err(); err != nil {
			return err
		}
		return s.st.CreateProcedure(ctx, &proc)
	})
	if err != nil {
		return nil, err
	}
	s.cache.procedures.clear()
	return &proc, nil
}

// AddProcedureVersion appends a version that takes effect at its effective
// time (now if unset), which may not precede the latest version's.
func (s *Catalog) AddProcedureVersion(ctx context.Context, p domain.Principal, code string, v domain.ProcedureVersion) (*domain.Procedure, error) {
	if err := policy.RequireRole(p, policy.Admins()...); err != nil {
		return nil, err
	}
	now := s.Now()
	if v.EffectiveAt.IsZero() {
		v.EffectiveAt = now
	}
	var out *domain.Procedure
	err := s.st.InTx(ctx, func(ctx context.Context) error {
		proc, err := s.st.GetProcedure(ctx, code)
		if err != nil {
			return err
		}
		last := proc.Versions[len(proc.Versions)-1]
		viol := domain.ValidateFormSpec("version.form", v.Form)
		if !v.EffectiveAt.After(last.EffectiveAt) {
			viol.Add("version.effective_time", "must be after version %d's effective time %s",
				last.Version, last.EffectiveAt.Format(time.RFC3339))
		} else if v.EffectiveAt.Before(now.Add(-time.Minute)) {
			viol.Add("version.effective_time", "cannot be in the past: dossiers already filed keep the version they were filed under")
		}
		if viol, err = s.workflowUnitViolations(ctx, viol, "version.workflow", v.Workflow); err != nil {
			return err
		}
		if err := viol.Err(); err != nil {
			return err
		}
		v.Version, v.CreatedAt, v.EndAt = last.Version+1, now, time.Time{}
		if err := s.st.AddProcedureVersion(ctx, code, &v); err != nil {
			return err
		}
		out, err = s.st.GetProcedure(ctx, code)
		return err
	})
	s.cache.procedures.clear()
	return out, err
}

// workflowUnitViolations adds a violation for every step whose unit is no
// agency.
func (s *Catalog) workflowUnitViolations(ctx context.Context, v domain.Violations, field string, steps []domain.WorkflowStep) (domain.Violations, error) {
	for i, st := range steps {
		if st.UnitCode == "" {
			continue
		}
		if _, err := s.st.GetAgency(ctx, st.UnitCode); err != nil {
			if !isNotFound(err) {
				return v, err
			}
			v.Add(fmt.Sprintf("%s[%d].unit_code", field, i), "no agency has code %q", st.UnitCode)
		}
	}
	return v, nil
}

// GetProcedure returns a procedure with its versions.
func (s *Catalog) GetProcedure(ctx context.Context, code string) (*domain.Procedure, error) {
	return s.st.GetProcedure(ctx, code)
}

// ListProcedures returns a page of procedures.
func (s *Catalog) ListProcedures(ctx context.Context, f ProcedureFilter, pageSize int, token string) ([]domain.Procedure, string, error) {
	return keysetPage(f, pageSize, 100, token,
		func(after string, limit int) ([]domain.Procedure, error) {
			return s.st.ListProcedures(ctx, f, after, limit)
		},
		func(p *domain.Procedure) string { return p.Code })
}
