//! HTTP methods of REST API methods.

use std::fmt;

/// The HTTP method a REST API method answers (`Any` matches all).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// Every method.
    Any,
    /// `DELETE`.
    Delete,
    /// `GET`.
    Get,
    /// `HEAD`.
    Head,
    /// `OPTIONS`.
    Options,
    /// `PATCH`.
    Patch,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
}

impl HttpMethod {
    /// The name API Gateway uses (`GET`, `ANY`).
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Any => "ANY",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Get => "GET",
            HttpMethod::Head => "HEAD",
            HttpMethod::Options => "OPTIONS",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
        }
    }

    /// The method's part of an `execute-api` ARN (`*` for `Any`).
    pub fn arn_part(self) -> &'static str {
        match self {
            HttpMethod::Any => "*",
            method => method.as_str(),
        }
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
