"""Photos of vacancies and citizen reports."""
