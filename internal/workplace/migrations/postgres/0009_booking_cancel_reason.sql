-- Why a booking was cancelled when it was not its booker who cancelled it
-- (its desk or room was withdrawn), for the booking's page and the
-- cancellation emailed to the booker; '' otherwise.
ALTER TABLE workplace_bookings ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';
