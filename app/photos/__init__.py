"""Photos of vacancies (staff) and of citizen reports (approved by staff before they show)."""
