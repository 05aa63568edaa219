"""Cancellation swallowed by exception handlers: cancelled-error-not-reraised and cancellation-swallowed."""
