//! STS over the AWS Query protocol: `GetCallerIdentity`, which dbt-athena and
//! awswrangler call to learn the account. Form-encoded request, XML response.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode};

use super::state::ACCOUNT_ID;

/// Answers an STS form post from `access_key` (`user` in the answered ARN), with
/// the error code when the action is not one lakesql serves.
pub fn call(
    request_id: &str,
    form: &[u8],
    access_key: Option<&str>,
    user: &str,
) -> (Response<Body>, Option<&'static str>) {
    let action = url::form_urlencoded::parse(form)
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.into_owned());
    if action.as_deref() != Some("GetCallerIdentity") {
        let message = format!(
            "lakesql serve does not implement STS action {}",
            action.as_deref().unwrap_or("(none)")
        );
        let code = "InvalidAction";
        return (error(request_id, 400, code, &message), Some(code));
    }
    let body = format!(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
         <GetCallerIdentityResult>\
         <Arn>arn:aws:iam::{ACCOUNT_ID}:user/{}</Arn>\
         <UserId>{}</UserId>\
         <Account>{ACCOUNT_ID}</Account>\
         </GetCallerIdentityResult>\
         <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>\
         </GetCallerIdentityResponse>",
        xml_escape(user),
        xml_escape(access_key.unwrap_or(user)),
    );
    (xml(request_id, StatusCode::OK, body), None)
}

/// An AWS Query protocol error (`<ErrorResponse>`).
pub fn error(request_id: &str, status: u16, code: &str, message: &str) -> Response<Body> {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    let body = format!(
        "<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code>\
         <Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
        xml_escape(message)
    );
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    xml(request_id, status, body)
}

fn xml(request_id: &str, status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("text/xml"));
    if let Ok(id) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-amzn-requestid", id);
    }
    response
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
