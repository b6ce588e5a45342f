//! The configuration: one typed `Config`, layered defaults < file (TOML) < environment
//! (`CIVICGRID_*`) < command-line flags, validated at start-up with an error that names the
//! setting. Secrets (the database password, the first administrator's password) are
//! redacted wherever the configuration is shown or logged.
//!
//! Only this module reads the environment. Every setting is listed in `SETTINGS`, which
//! `docs/OPERATIONS.md` must document (a test checks it).

use std::fmt;
use std::path::Path;

use chrono::FixedOffset;
use serde::Deserialize;

/// Every setting: its key in the file, its environment variable, its default, and what it
/// is for. The documentation test reads this table.
pub const SETTINGS: &[Setting] = &[
    Setting {
        key: "listen",
        env: "CIVICGRID_LISTEN",
        default: "127.0.0.1:8080",
        about: "address and port to serve on",
    },
    Setting {
        key: "database",
        env: "CIVICGRID_DATABASE",
        default: DEFAULT_DATABASE,
        about: "`sqlite:PATH` (created on first use) or `postgres://user:password@host/db`",
    },
    Setting {
        key: "sweep_seconds",
        env: "CIVICGRID_SWEEP_SECONDS",
        default: "10",
        about: "seconds between deadline sweeps (1–3600)",
    },
    Setting {
        key: "json_logs",
        env: "CIVICGRID_JSON_LOGS",
        default: "false",
        about: "log as JSON lines",
    },
    Setting {
        key: "time_zone",
        env: "CIVICGRID_TIME_ZONE",
        default: "+08:00",
        about: "the district's UTC offset: local days of serial numbers, rollups, calendars and pages",
    },
    Setting {
        key: "session_hours",
        env: "CIVICGRID_SESSION_HOURS",
        default: "12",
        about: "how long a sign-in lasts (1–168)",
    },
    Setting {
        key: "admin_password",
        env: "CIVICGRID_ADMIN_PASSWORD",
        default: "",
        about: "the administrator's password on first start (generated and printed once when empty)",
    },
];

/// The default database: a SQLite file beside where civicgrid is run.
pub const DEFAULT_DATABASE: &str = "sqlite:civicgrid-data/civicgrid.db";

/// The environment variable naming a configuration file.
pub const CONFIG_ENV: &str = "CIVICGRID_CONFIG";

#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub key: &'static str,
    pub env: &'static str,
    pub default: &'static str,
    pub about: &'static str,
}

/// The effective configuration.
#[derive(Clone)]
pub struct Config {
    pub listen: String,
    pub database: DatabaseUrl,
    pub sweep_seconds: u64,
    pub json_logs: bool,
    pub time_zone: FixedOffset,
    pub session_hours: i64,
    pub admin_password: Option<Secret>,
}

/// One layer of settings, each optional: the file, the environment and the flags are each
/// one, applied in that order over the defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub listen: Option<String>,
    pub database: Option<String>,
    pub sweep_seconds: Option<u64>,
    pub json_logs: Option<bool>,
    pub time_zone: Option<String>,
    pub session_hours: Option<i64>,
    pub admin_password: Option<String>,
}

/// A setting that could not be used, named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The setting's key (or the file).
    pub setting: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "setting `{}`: {}", self.setting, self.message)
    }
}

impl std::error::Error for ConfigError {}

fn invalid(setting: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        setting: setting.to_owned(),
        message: message.into(),
    }
}

impl Layer {
    /// Reads a TOML file of settings.
    pub fn from_file(path: &Path) -> Result<Layer, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| invalid(&path.display().to_string(), e.to_string()))?;
        toml::from_str(&text).map_err(|e| invalid(&path.display().to_string(), e.to_string()))
    }

    /// The settings given in the environment (`CIVICGRID_*`), read through `var` so tests
    /// can give their own.
    pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> Result<Layer, ConfigError> {
        let get = |key: &str| {
            SETTINGS
                .iter()
                .find(|s| s.key == key)
                .and_then(|s| var(s.env))
                .filter(|v| !v.is_empty())
        };
        let number = |key: &str| -> Result<Option<i64>, ConfigError> {
            get(key)
                .map(|v| {
                    v.trim()
                        .parse::<i64>()
                        .map_err(|_| invalid(key, format!("`{v}` is not a whole number")))
                })
                .transpose()
        };
        let flag = |key: &str| -> Result<Option<bool>, ConfigError> {
            get(key)
                .map(|v| match v.trim() {
                    "1" | "true" | "yes" | "on" => Ok(true),
                    "0" | "false" | "no" | "off" => Ok(false),
                    other => Err(invalid(key, format!("`{other}` is not true or false"))),
                })
                .transpose()
        };
        Ok(Layer {
            listen: get("listen"),
            database: get("database"),
            sweep_seconds: number("sweep_seconds")?
                .map(|n| u64::try_from(n).map_err(|_| invalid("sweep_seconds", "must be positive")))
                .transpose()?,
            json_logs: flag("json_logs")?,
            time_zone: get("time_zone"),
            session_hours: number("session_hours")?,
            admin_password: get("admin_password"),
        })
    }

    /// Every setting at its documented default: `SETTINGS` is the one place defaults are
    /// written, read as if the environment gave them.
    pub fn defaults() -> Result<Layer, ConfigError> {
        Layer::from_env(&|name| {
            SETTINGS
                .iter()
                .find(|s| s.env == name)
                .map(|s| s.default.to_owned())
        })
    }

    /// `self` with every setting `over` gives replaced.
    pub fn then(self, over: Layer) -> Layer {
        Layer {
            listen: over.listen.or(self.listen),
            database: over.database.or(self.database),
            sweep_seconds: over.sweep_seconds.or(self.sweep_seconds),
            json_logs: over.json_logs.or(self.json_logs),
            time_zone: over.time_zone.or(self.time_zone),
            session_hours: over.session_hours.or(self.session_hours),
            admin_password: over.admin_password.or(self.admin_password),
        }
    }
}

impl Config {
    /// The configuration from `defaults`, then the file (`file`, or the one named by
    /// `CIVICGRID_CONFIG`), then the environment, then `flags`; validated.
    pub fn load(
        defaults: Layer,
        file: Option<&Path>,
        var: &dyn Fn(&str) -> Option<String>,
        flags: Layer,
    ) -> Result<Config, ConfigError> {
        let named = var(CONFIG_ENV).filter(|v| !v.is_empty());
        let file_layer = match file.map(Path::to_path_buf).or(named.map(Into::into)) {
            Some(path) => Layer::from_file(&path)?,
            None => Layer::default(),
        };
        let layer = defaults
            .then(file_layer)
            .then(Layer::from_env(var)?)
            .then(flags);
        Config::from_layer(layer)
    }

    /// The configuration from the process's environment (the only place it is read).
    pub fn from_process(
        defaults: Layer,
        file: Option<&Path>,
        flags: Layer,
    ) -> Result<Config, ConfigError> {
        Config::load(defaults, file, &|name| std::env::var(name).ok(), flags)
    }

    /// Validates a layer; settings it does not give take their defaults (`SETTINGS`).
    pub fn from_layer(layer: Layer) -> Result<Config, ConfigError> {
        let layer = Layer::defaults()?.then(layer);
        let missing = |key: &str| invalid(key, "has no value and no default");
        let listen = layer.listen.ok_or_else(|| missing("listen"))?;
        if listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(invalid(
                "listen",
                format!("`{listen}` is not an address and port, e.g. 127.0.0.1:8080"),
            ));
        }
        let database = DatabaseUrl::parse(layer.database.ok_or_else(|| missing("database"))?)?;
        let sweep_seconds = layer
            .sweep_seconds
            .ok_or_else(|| missing("sweep_seconds"))?;
        if !(1..=3600).contains(&sweep_seconds) {
            return Err(invalid("sweep_seconds", "must be between 1 and 3600"));
        }
        let time_zone = parse_offset(&layer.time_zone.ok_or_else(|| missing("time_zone"))?)?;
        let session_hours = layer
            .session_hours
            .ok_or_else(|| missing("session_hours"))?;
        if !(1..=168).contains(&session_hours) {
            return Err(invalid("session_hours", "must be between 1 and 168"));
        }
        let admin_password = layer.admin_password.filter(|p| !p.is_empty()).map(Secret);
        if let Some(password) = &admin_password
            && let Err(e) = civicgrid_domain::org::check_password(password.expose())
        {
            return Err(invalid("admin_password", e.message));
        }
        Ok(Config {
            listen,
            database,
            sweep_seconds,
            json_logs: layer.json_logs.unwrap_or_default(),
            time_zone,
            session_hours,
            admin_password,
        })
    }

    /// The effective configuration as a TOML file would give it, secrets redacted.
    pub fn describe(&self) -> String {
        let password = if self.admin_password.is_some() {
            "\"***\""
        } else {
            "\"\" # generated and printed on first start"
        };
        format!(
            "listen = \"{}\"\ndatabase = \"{}\"\nsweep_seconds = {}\njson_logs = {}\ntime_zone = \"{}\"\nsession_hours = {}\nadmin_password = {}\n",
            self.listen,
            self.database,
            self.sweep_seconds,
            self.json_logs,
            self.time_zone,
            self.session_hours,
            password
        )
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database", &self.database)
            .field("sweep_seconds", &self.sweep_seconds)
            .field("json_logs", &self.json_logs)
            .field("time_zone", &self.time_zone)
            .field("session_hours", &self.session_hours)
            .field("admin_password", &self.admin_password)
            .finish()
    }
}

/// `+08:00`, `-05:30` or `UTC`.
pub fn parse_offset(text: &str) -> Result<FixedOffset, ConfigError> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("utc") || text == "Z" {
        return FixedOffset::east_opt(0).ok_or_else(|| invalid("time_zone", "UTC"));
    }
    // chrono reads the whole text as a `%#z` offset (+08:00, +0800, +08; nothing after
    // it); real offsets lie within ±14 hours.
    let mut parsed = chrono::format::Parsed::new();
    chrono::format::parse(&mut parsed, text, chrono::format::StrftimeItems::new("%#z"))
        .and_then(|()| parsed.to_fixed_offset())
        .ok()
        .filter(|offset| offset.local_minus_utc().abs() <= 14 * 3600)
        .ok_or_else(|| {
            invalid(
                "time_zone",
                format!("`{text}` is not a UTC offset such as +08:00"),
            )
        })
}

/// What the application itself (not the command line) takes from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct AppSettings {
    pub time_zone: FixedOffset,
    pub session_hours: i64,
}

impl Default for AppSettings {
    /// The defaults of `SETTINGS` (a test checks they parse, so the fallback below, China
    /// Standard Time and 12 hours, is never taken).
    fn default() -> Self {
        Config::from_layer(Layer::default())
            .map(|config| config.app())
            .unwrap_or(AppSettings {
                time_zone: civicgrid_domain::calendar::china_standard_time(),
                session_hours: 12,
            })
    }
}

impl Config {
    pub fn app(&self) -> AppSettings {
        AppSettings {
            time_zone: self.time_zone,
            session_hours: self.session_hours,
        }
    }
}

/// A value that must never be printed: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A database URL whose password is redacted when shown (`postgres://user:***@host/db`).
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn parse(url: String) -> Result<DatabaseUrl, ConfigError> {
        let known = url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://");
        if !known {
            return Err(invalid(
                "database",
                "must start with sqlite: or postgres://",
            ));
        }
        Ok(DatabaseUrl(url))
    }

    /// The URL to connect with, password included. Never print it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with its password replaced by `***`.
    pub fn redacted(&self) -> String {
        let Some((scheme, rest)) = self.0.split_once("://") else {
            return self.0.clone();
        };
        let Some((credentials, host)) = rest.rsplit_once('@') else {
            return self.0.clone();
        };
        match credentials.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => self.0.clone(),
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn layers_apply_in_order_defaults_file_environment_flags() -> Result<(), ConfigError> {
        let dir = std::env::temp_dir().join(format!("cg-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| invalid("dir", e.to_string()))?;
        let file = dir.join("civicgrid.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\nsweep_seconds = 30\nsession_hours = 8\n",
        )
        .map_err(|e| invalid("file", e.to_string()))?;
        let vars = env(&[
            ("CIVICGRID_SWEEP_SECONDS", "20"),
            ("CIVICGRID_TIME_ZONE", "-05:30"),
        ]);
        let flags = Layer {
            session_hours: Some(4),
            ..Layer::default()
        };
        let config = Config::load(Layer::default(), Some(&file), &vars, flags)?;
        assert_eq!(config.listen, "0.0.0.0:9000", "from the file");
        assert_eq!(config.sweep_seconds, 20, "the environment beats the file");
        assert_eq!(config.session_hours, 4, "flags beat everything");
        assert_eq!(config.time_zone.local_minus_utc(), -(5 * 3600 + 30 * 60));
        assert_eq!(config.database.expose(), DEFAULT_DATABASE, "default");
        // The file may also be named by CIVICGRID_CONFIG.
        let path = file.display().to_string();
        let vars = env(&[("CIVICGRID_CONFIG", &path)]);
        let named = Config::load(Layer::default(), None, &vars, Layer::default())?;
        assert_eq!(named.sweep_seconds, 30);
        Ok(())
    }

    #[test]
    fn the_documented_defaults_are_the_defaults() -> Result<(), ConfigError> {
        let config = Config::from_layer(Layer::default())?;
        assert_eq!(config.listen, "127.0.0.1:8080");
        assert_eq!(config.database.expose(), DEFAULT_DATABASE);
        assert_eq!((config.sweep_seconds, config.session_hours), (10, 12));
        assert!(!config.json_logs && config.admin_password.is_none());
        assert_eq!(
            config.time_zone,
            civicgrid_domain::calendar::china_standard_time()
        );
        let app = AppSettings::default();
        assert_eq!((app.time_zone, app.session_hours), (config.time_zone, 12));
        Ok(())
    }

    #[test]
    fn time_zones_are_utc_offsets_within_fourteen_hours() {
        let seconds = |text: &str| parse_offset(text).map(|o| o.local_minus_utc()).ok();
        assert_eq!(seconds("+08:00"), Some(8 * 3600));
        assert_eq!(seconds(" +0800 "), Some(8 * 3600));
        assert_eq!(seconds("-05:30"), Some(-(5 * 3600 + 30 * 60)));
        assert_eq!(seconds("UTC"), Some(0));
        assert_eq!(seconds("+14:00"), Some(14 * 3600));
        for bad in ["+15:00", "8", "Asia/Shanghai", "+08:00 CST", ""] {
            assert_eq!(seconds(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn bad_settings_are_named() {
        let cases: Vec<(Layer, &str)> = vec![
            (
                Layer {
                    listen: Some("everywhere".into()),
                    ..Layer::default()
                },
                "listen",
            ),
            (
                Layer {
                    database: Some("mysql://x".into()),
                    ..Layer::default()
                },
                "database",
            ),
            (
                Layer {
                    sweep_seconds: Some(0),
                    ..Layer::default()
                },
                "sweep_seconds",
            ),
            (
                Layer {
                    time_zone: Some("Asia/Shanghai".into()),
                    ..Layer::default()
                },
                "time_zone",
            ),
            (
                Layer {
                    session_hours: Some(1000),
                    ..Layer::default()
                },
                "session_hours",
            ),
            (
                Layer {
                    admin_password: Some("short".into()),
                    ..Layer::default()
                },
                "admin_password",
            ),
        ];
        for (layer, setting) in cases {
            let error = Config::from_layer(layer).err();
            assert_eq!(error.map(|e| e.setting), Some(setting.to_owned()));
        }
        let error = Layer::from_env(&env(&[("CIVICGRID_SWEEP_SECONDS", "often")])).err();
        assert_eq!(error.map(|e| e.setting), Some("sweep_seconds".to_owned()));
    }

    #[test]
    fn secrets_never_show() -> Result<(), ConfigError> {
        let config = Config::from_layer(Layer {
            database: Some("postgres://civicgrid:s3cret-pw@db.internal:5432/civicgrid".into()),
            admin_password: Some("another-s3cret".into()),
            ..Layer::default()
        })?;
        for shown in [
            format!("{config:?}"),
            config.describe(),
            config.database.to_string(),
        ] {
            assert!(!shown.contains("s3cret"), "{shown}");
        }
        assert_eq!(
            config.database.to_string(),
            "postgres://civicgrid:***@db.internal:5432/civicgrid"
        );
        assert_eq!(
            config.database.expose(),
            "postgres://civicgrid:s3cret-pw@db.internal:5432/civicgrid"
        );
        Ok(())
    }
}
