//! Instants as seconds since the Unix epoch (UTC): parsing `--now` (RFC 3339 or a plain date)
//! and printing certificate validity dates, without a time crate.

/// Parses an RFC 3339 timestamp (`2026-11-25T03:00:00Z`, `2026-11-25T04:00:00+01:00`,
/// fractions of a second ignored) or a plain date (`2026-11-25`, meaning its midnight UTC)
/// into seconds since the Unix epoch.
pub fn parse(text: &str) -> Result<i64, String> {
    let bad = |why: &str| format!("'{text}': {why} (expected 2026-11-25 or 2026-11-25T03:00:00Z)");
    let s = text.trim();
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut d = date.split('-');
    let (Some(y), Some(m), Some(day), None) = (d.next(), d.next(), d.next(), d.next()) else {
        return Err(bad("not a date"));
    };
    if y.len() != 4 || m.len() != 2 || day.len() != 2 {
        return Err(bad("the date must be YYYY-MM-DD"));
    }
    let y: i64 = num(y).ok_or_else(|| bad("bad year"))?;
    let m: u32 = num(m).ok_or_else(|| bad("bad month"))?;
    let day: u32 = num(day).ok_or_else(|| bad("bad day"))?;
    if !(1..=12).contains(&m) || day == 0 || day > days_in_month(y, m) {
        return Err(bad("no such day"));
    }
    let mut secs = days_from_civil(y, m, day) * 86_400;
    if let Some(time) = time {
        let (clock, offset) = split_offset(time).ok_or_else(|| bad("the time needs a zone: Z or +HH:MM"))?;
        let clock = clock.split('.').next().unwrap_or(clock);
        let mut c = clock.split(':');
        let (Some(h), Some(mi), Some(sec), None) = (c.next(), c.next(), c.next(), c.next()) else {
            return Err(bad("the time must be HH:MM:SS"));
        };
        let h: i64 = num(h).filter(|h| *h < 24).ok_or_else(|| bad("bad hour"))?;
        let mi: i64 = num(mi).filter(|m| *m < 60).ok_or_else(|| bad("bad minute"))?;
        // 60 allows a leap second.
        let sec: i64 = num(sec).filter(|s| *s <= 60).ok_or_else(|| bad("bad second"))?;
        secs += h * 3600 + mi * 60 + sec - offset;
    }
    Ok(secs)
}

/// Formats seconds since the epoch as RFC 3339 in UTC: `2026-11-25T03:00:00Z`.
pub fn format(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    match u32::try_from(y) {
        // Written digit by digit: a bundle's 300 dates through `format!` cost more than
        // parsing the certificates' names.
        Ok(year) if year <= 9999 => {
            let mut out = *b"0000-00-00T00:00:00Z";
            let digits = |out: &mut [u8], mut n: u32| {
                for b in out.iter_mut().rev() {
                    *b = b'0' + (n % 10) as u8;
                    n /= 10;
                }
            };
            digits(&mut out[0..4], year);
            digits(&mut out[5..7], m);
            digits(&mut out[8..10], d);
            // Hours, minutes and seconds are in 0..86 400.
            digits(&mut out[11..13], h as u32);
            digits(&mut out[14..16], mi as u32);
            digits(&mut out[17..19], s as u32);
            out.iter().map(|&b| char::from(b)).collect()
        }
        _ => format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
    }
}

/// The current time, in seconds since the epoch.
pub fn now() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn num<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Splits `HH:MM:SS[.frac](Z|+HH:MM|-HH:MM)` into the clock and the offset in seconds.
fn split_offset(time: &str) -> Option<(&str, i64)> {
    if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    let i = time.rfind(['+', '-'])?;
    let (clock, zone) = (&time[..i], &time[i..]);
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let (h, m) = zone[1..].split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i64, i64) = (num(h).filter(|h| *h < 24)?, num(m).filter(|m| *m < 60)?);
    Some((clock, sign * (h * 3600 + m * 60)))
}

/// Seconds since the epoch of a UTC date and time given by its fields; `None` when there is
/// no such date or time (a second of 60 allows a leap second).
pub fn from_utc(y: i64, m: u32, d: u32, h: i64, mi: i64, sec: i64) -> Option<i64> {
    let valid = (1..=12).contains(&m)
        && (1..=days_in_month(y, m)).contains(&d)
        && (0..24).contains(&h)
        && (0..60).contains(&mi)
        && (0..=60).contains(&sec);
    valid.then(|| days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + sec)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number since 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_writes_what_format_macro_writes() {
        let by_macro = |secs: i64| {
            let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
            let (y, m, d) = civil_from_days(days);
            format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
        };
        // Every fifth day from year -2 to 10 002 at a moving time of day, and the edges.
        let start = from_utc(-2, 1, 1, 0, 0, 0).unwrap();
        let end = from_utc(10_002, 12, 31, 23, 59, 59).unwrap();
        let mut secs = start;
        let mut n = 0;
        while secs <= end {
            assert_eq!(format(secs), by_macro(secs), "{secs}");
            secs += 5 * 86_400 + 7_919;
            n += 1;
        }
        assert!(n > 700_000);
        for secs in
            [-1, 0, 1, 86_399, 86_400, 253_402_300_799, 253_402_300_800, -62_167_219_200, -62_167_219_201]
        {
            assert_eq!(format(secs), by_macro(secs), "{secs}");
        }
        assert_eq!(format(1_795_575_600), "2026-11-25T03:00:00Z");
        assert_eq!(format(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(format(253_402_300_800), "10000-01-01T00:00:00Z");
    }

    #[test]
    fn from_utc_fields() {
        assert_eq!(from_utc(2026, 11, 25, 3, 0, 0), Some(1_795_575_600));
        assert_eq!(from_utc(2000, 2, 29, 0, 0, 0), parse("2000-02-29").ok());
        for bad in [
            (2026, 2, 29, 0, 0, 0),
            (2026, 13, 1, 0, 0, 0),
            (2026, 1, 0, 0, 0, 0),
            (2026, 1, 1, 24, 0, 0),
            (2026, 1, 1, 0, 60, 0),
            (2026, 1, 1, 0, 0, 61),
        ] {
            let (y, m, d, h, mi, s) = bad;
            assert_eq!(from_utc(y, m, d, h, mi, s), None, "{bad:?}");
        }
    }

    #[test]
    fn parses_dates_and_rfc3339() {
        assert_eq!(parse("1970-01-01"), Ok(0));
        assert_eq!(parse("2000-03-01"), Ok(951_868_800));
        assert_eq!(parse("2026-11-25T03:00:00Z"), Ok(1_795_575_600));
        assert_eq!(parse("2026-11-25T04:00:00+01:00"), Ok(1_795_575_600));
        assert_eq!(parse("2026-11-25t02:30:00.123-00:30"), Ok(1_795_575_600));
        assert_eq!(parse("1969-12-31T23:59:59Z"), Ok(-1));
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "",
            "2026",
            "2026-13-01",
            "2023-02-29",
            "2026-11-25T03:00:00",
            "26-11-25",
            "2026-11-25T25:00:00Z",
            "x026-11-25",
            "2026-11-25T03:00Z",
            "+026-11-25",
        ] {
            assert!(parse(bad).is_err(), "{bad} accepted");
        }
        assert!(parse("2024-02-29").is_ok());
    }

    #[test]
    fn formats_round_trip() {
        for s in [0, -1, 951_868_800, 1_795_575_600, 4_102_444_799] {
            assert_eq!(parse(&format(s)), Ok(s), "{}", format(s));
        }
        assert_eq!(format(1_795_575_600), "2026-11-25T03:00:00Z");
    }
}
