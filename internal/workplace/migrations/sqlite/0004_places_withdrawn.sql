-- Withdrawing a building, floor or zone hides it from the lists people
-- book from while keeping it, so past bookings and utilisation still name
-- where they were. 0: in use; otherwise when it was withdrawn (unix ms).
ALTER TABLE workplace_buildings ADD COLUMN withdrawn_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE workplace_floors ADD COLUMN withdrawn_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE workplace_zones ADD COLUMN withdrawn_at BIGINT NOT NULL DEFAULT 0;
