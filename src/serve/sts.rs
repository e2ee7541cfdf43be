//! STS over the AWS Query protocol: `GetCallerIdentity`, which dbt-athena and
//! awswrangler call to learn the account. Form-encoded request, XML response.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode};

use super::state::ACCOUNT_ID;

/// Answers an STS form post.
pub fn call(request_id: &str, form: &[u8], access_key: Option<&str>) -> Response<Body> {
    let action = url::form_urlencoded::parse(form)
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.into_owned());
    let (status, body) = match action.as_deref() {
        Some("GetCallerIdentity") => {
            let user = access_key.unwrap_or("lakesql");
            (
                StatusCode::OK,
                format!(
                    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                     <GetCallerIdentityResult>\
                     <Arn>arn:aws:iam::{ACCOUNT_ID}:user/lakesql</Arn>\
                     <UserId>{}</UserId>\
                     <Account>{ACCOUNT_ID}</Account>\
                     </GetCallerIdentityResult>\
                     <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>\
                     </GetCallerIdentityResponse>",
                    xml_escape(user)
                ),
            )
        }
        other => (
            StatusCode::BAD_REQUEST,
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code>\
                 <Message>lakesql serve does not implement STS action {}</Message></Error>\
                 <RequestId>{request_id}</RequestId></ErrorResponse>",
                xml_escape(other.unwrap_or("(none)"))
            ),
        ),
    };
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
