//! Dates without a clock: the caller passes the time (in wasm it comes from JavaScript).
//!
//! * RFC 1123 (`Wed, 13 Apr 2022 18:09:12 GMT`), the `x-ms-date` header format.
//! * ISO 8601 / RFC 3339 as the service writes `expiresOn`
//!   (`2025-07-10T21:39:39.3244584+00:00`), parsed to Unix milliseconds, and written back.
//! * Python's `str(datetime)` (`2024-04-02 05:54:23.957003+00:00`), which the az CLI prints.

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]; // 1970-01-01 was a Thursday
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Latest instant accepted anywhere (year 9999), so formatting never overflows four digits.
pub const MAX_UNIX_MS: i64 = 253_402_300_799_999;
/// Earliest instant accepted anywhere (year 0001).
pub const MIN_UNIX_MS: i64 = -62_135_596_800_000;

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month 1..=12, day 1..=31)` for days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

struct Parts {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    weekday: usize,
    /// Sub-second part in nanoseconds.
    nanos: u32,
}

fn split(ms: i64) -> Parts {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    let (year, month, day) = civil_from_days(days);
    Parts {
        year,
        month,
        day,
        hour: sod / 3600,
        minute: sod / 60 % 60,
        second: sod % 60,
        weekday: days.rem_euclid(7) as usize,
        nanos: ms.rem_euclid(1000) as u32 * 1_000_000,
    }
}

fn in_range(ms: i64) -> bool {
    (MIN_UNIX_MS..=MAX_UNIX_MS).contains(&ms)
}

/// `Wed, 13 Apr 2022 18:09:12 GMT` for Unix milliseconds (sub-seconds are dropped).
/// `None` outside years 1..=9999.
pub fn format_rfc1123(ms: i64) -> Option<String> {
    if !in_range(ms) {
        return None;
    }
    let p = split(ms);
    // Written by hand rather than with `format!`: this runs once per signature.
    let mut out = String::with_capacity(29);
    out.push_str(DAYS[p.weekday]);
    out.push_str(", ");
    push_decimal(&mut out, p.day, 2);
    out.push(' ');
    out.push_str(MONTHS[p.month as usize - 1]);
    out.push(' ');
    push_decimal(&mut out, p.year as u32, 4);
    out.push(' ');
    push_decimal(&mut out, p.hour, 2);
    out.push(':');
    push_decimal(&mut out, p.minute, 2);
    out.push(':');
    push_decimal(&mut out, p.second, 2);
    out.push_str(" GMT");
    Some(out)
}

/// Appends `n` in decimal, left-padded with zeros to at least `width` digits.
pub fn push_decimal(out: &mut String, n: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut i = digits.len();
    let mut rest = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for _ in digits.len() - i..width {
        out.push('0');
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn checked_ms(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59
    {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some((days * 86_400 + (h * 3600 + mi * 60 + s) as i64) * 1000)
}

/// Parses an RFC 1123 date (`Wed, 13 Apr 2022 18:09:12 GMT`, one- or two-digit day, `GMT` or `UTC`)
/// to Unix milliseconds. The weekday, when present, must match the date. Year 0000 is refused:
/// like every date here, the result is within [`MIN_UNIX_MS`]..=[`MAX_UNIX_MS`].
pub fn parse_rfc1123(s: &str) -> Option<i64> {
    let s = s.trim();
    let (weekday, rest) = match s.split_once(", ") {
        Some((w, rest)) => (Some(w), rest),
        None => (None, s),
    };
    let fields: Vec<&str> = rest.split(' ').collect();
    if fields.len() != 5 || !(fields[4] == "GMT" || fields[4] == "UTC") {
        return None;
    }
    let day = num(fields[0]).filter(|_| fields[0].len() <= 2)?;
    let month = MONTHS.iter().position(|m| *m == fields[1])? as u32 + 1;
    let year = num(fields[2]).filter(|_| fields[2].len() == 4)? as i64;
    let hms: Vec<&str> = fields[3].split(':').collect();
    if hms.len() != 3 || hms.iter().any(|p| p.len() != 2) {
        return None;
    }
    let ms = checked_ms(year, month, day, num(hms[0])?, num(hms[1])?, num(hms[2])?)?;
    if let Some(w) = weekday {
        if DAYS[(ms / 1000).div_euclid(86_400).rem_euclid(7) as usize] != w {
            return None;
        }
    }
    in_range(ms).then_some(ms)
}

/// Parses an ISO 8601 / RFC 3339 timestamp as the service writes it, to Unix milliseconds
/// (fractions beyond milliseconds are truncated). Accepts `T` or a space between date and time,
/// any number of fractional digits, and `Z` or a `+hh:mm` / `-hh:mm` offset (required).
pub fn parse_iso8601_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
    {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = num(s.get(0..4)?)? as i64;
    let month = num(s.get(5..7)?)?;
    let day = num(s.get(8..10)?)?;
    let hour = num(s.get(11..13)?)?;
    let minute = num(s.get(14..16)?)?;
    let second = num(s.get(17..19)?)?;
    let mut rest = s.get(19..)?;
    let mut frac_ms = 0i64;
    if let Some(r) = rest.strip_prefix('.') {
        let digits = r.bytes().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let mut scaled = 0i64;
        for (i, c) in r.bytes().take(3).enumerate().take(digits) {
            scaled += (c - b'0') as i64 * [100, 10, 1][i];
        }
        frac_ms = scaled;
        rest = &r[digits..];
    }
    let offset_min: i64 = match rest {
        "Z" | "z" => 0,
        _ => {
            let ob = rest.as_bytes();
            if ob.len() != 6 || !(ob[0] == b'+' || ob[0] == b'-') || ob[3] != b':' {
                return None;
            }
            let oh = num(&rest[1..3])? as i64;
            let om = num(&rest[4..6])? as i64;
            if oh > 23 || om > 59 {
                return None;
            }
            let sign = if ob[0] == b'-' { -1 } else { 1 };
            sign * (oh * 60 + om)
        }
    };
    let ms = checked_ms(year, month, day, hour, minute, second)? + frac_ms - offset_min * 60_000;
    in_range(ms).then_some(ms)
}

/// The service's `expiresOn` form: `2025-07-10T21:39:39.3240000+00:00` (7 fractional digits).
pub fn format_iso8601_service(ms: i64) -> Option<String> {
    if !in_range(ms) {
        return None;
    }
    let p = split(ms);
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}+00:00",
        p.year,
        p.month,
        p.day,
        p.hour,
        p.minute,
        p.second,
        p.nanos / 100
    ))
}

/// Python's `str(datetime)` for an aware UTC datetime, as the az CLI prints `expires_on`:
/// `2024-04-02 05:54:23.957000+00:00`, or without the fraction when it is zero.
pub fn format_python_utc(ms: i64) -> Option<String> {
    if !in_range(ms) {
        return None;
    }
    let p = split(ms);
    let frac = if p.nanos == 0 {
        String::new()
    } else {
        format!(".{:06}", p.nanos / 1000)
    };
    Some(format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}{}+00:00",
        p.year, p.month, p.day, p.hour, p.minute, p.second, frac
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_decimal_pads_to_width() {
        let mut out = String::new();
        for (n, width) in [
            (0, 0),
            (7, 2),
            (42, 2),
            (2022, 4),
            (65_535, 0),
            (5, 4),
            (u32::MAX, 2),
        ] {
            push_decimal(&mut out, n, width);
            out.push('|');
        }
        assert_eq!(out, "0|07|42|2022|65535|0005|4294967295|");
    }

    const VECTOR_MS: i64 = 1_649_873_352_000; // Wed, 13 Apr 2022 18:09:12 GMT

    #[test]
    fn rfc1123_vector() {
        assert_eq!(
            format_rfc1123(VECTOR_MS).unwrap(),
            "Wed, 13 Apr 2022 18:09:12 GMT"
        );
        assert_eq!(
            parse_rfc1123("Wed, 13 Apr 2022 18:09:12 GMT"),
            Some(VECTOR_MS)
        );
        assert_eq!(format_rfc1123(0).unwrap(), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            format_rfc1123(VECTOR_MS + 999).unwrap(),
            "Wed, 13 Apr 2022 18:09:12 GMT"
        );
        assert_eq!(format_rfc1123(-1).unwrap(), "Wed, 31 Dec 1969 23:59:59 GMT");
    }

    #[test]
    fn rfc1123_rejects() {
        for bad in [
            "",
            "Thu, 13 Apr 2022 18:09:12 GMT", // wrong weekday
            "Wed, 13 Apr 2022 18:09:12 PST",
            "Wed, 32 Apr 2022 18:09:12 GMT",
            "Wed, 13 Foo 2022 18:09:12 GMT",
            "Wed, 13 Apr 2022 24:09:12 GMT",
            "Wed, 13 Apr 22 18:09:12 GMT",
            "Wed, 13 Apr 2022 18:9:12 GMT",
            "Tue, 29 Feb 2022 00:00:00 GMT",
            "2022-04-13T18:09:12Z",
        ] {
            assert_eq!(parse_rfc1123(bad), None, "{bad}");
        }
        assert_eq!(parse_rfc1123("13 Apr 2022 18:09:12 GMT"), Some(VECTOR_MS));
        assert_eq!(
            parse_rfc1123("Tue, 29 Feb 2000 00:00:00 GMT"),
            Some(951_782_400_000)
        );
    }

    #[test]
    fn rfc1123_refuses_year_zero() {
        // Found by the `signing` fuzz target (fuzz/seeds/signing/crash-rfc1123-year-0000): year
        // 0000 parsed to an instant before MIN_UNIX_MS that `format_rfc1123` cannot write.
        assert_eq!(parse_rfc1123("Fri, 01 Dec 0000 23:59:59 GMT"), None);
        assert_eq!(parse_rfc1123("01 Jan 0000 00:00:00 GMT"), None);
        assert_eq!(
            parse_rfc1123("Mon, 01 Jan 0001 00:00:00 GMT"),
            Some(MIN_UNIX_MS)
        );
    }

    #[test]
    fn iso8601() {
        let ms = parse_iso8601_ms("2025-07-10T21:39:39.3244584+00:00").unwrap();
        assert_eq!(ms % 1000, 324);
        assert_eq!(
            format_iso8601_service(ms).unwrap(),
            "2025-07-10T21:39:39.3240000+00:00"
        );
        assert_eq!(parse_iso8601_ms("2025-07-10T21:39:39Z"), Some(ms - 324));
        assert_eq!(
            parse_iso8601_ms("2025-07-10T23:39:39+02:00"),
            Some(ms - 324)
        );
        assert_eq!(
            parse_iso8601_ms("2025-07-10 21:39:39.3+00:00"),
            Some(ms - 24)
        );
        for bad in [
            "2025-07-10T21:39:39",
            "2025-07-10T21:39:39.+00:00",
            "2025-13-10T21:39:39Z",
            "2025-07-10T21:39:39+0000",
            "2025-07-10T21:39:39.5Zjunk",
            "x025-07-10T21:39:39Z",
        ] {
            assert_eq!(parse_iso8601_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn python_format() {
        let ms = parse_iso8601_ms("2024-04-02T05:54:23.957003+00:00").unwrap();
        assert_eq!(
            format_python_utc(ms).unwrap(),
            "2024-04-02 05:54:23.957000+00:00"
        );
        assert_eq!(format_python_utc(0).unwrap(), "1970-01-01 00:00:00+00:00");
    }

    #[test]
    fn civil_round_trip() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(format_rfc1123(MAX_UNIX_MS + 1), None);
        assert_eq!(
            format_rfc1123(MAX_UNIX_MS).unwrap(),
            "Fri, 31 Dec 9999 23:59:59 GMT"
        );
    }
}
