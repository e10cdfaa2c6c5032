# Safepath web interface: English (the reference; fr, es and pt must have every key).

## Page frame
app-name = Safepath
nav-skip = Skip to content
nav-label = Main
nav-my-work = My work
nav-cases = Cases
nav-register = Register a child
nav-sign-out = Sign out

## Dates
date-long = { $day } { $month } { $year }
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

## Sign in
sign-in-title = Sign in
sign-in-username = Username
sign-in-password = Password
sign-in-submit = Sign in
sign-in-wrong = The username or password is not right. Check them and try again.
sign-in-throttled = Too many attempts. Wait a few minutes, then try again.
sign-in-form-expired = The form had expired. Please sign in again.
sign-in-expired = You were signed out after { $minutes ->
    [one] one minute
   *[other] { $shown } minutes
  } without activity, to protect the children's data. Sign in again to go on.
sign-in-signed-out = You are signed out.
sign-in-languages = Language

## My work
my-work-title = My work
my-work-cases = My open cases
my-work-open-count = Open: { $count }
my-work-high-count = High risk: { $count }
my-work-no-cases = No open case is assigned to you.
my-work-identified = Identified
my-work-follow-ups = Follow-ups due
my-work-approvals = Approvals waiting
my-work-coming = This list will appear here with the case workflow.
my-work-no-case-role = Your role does not give access to children's cases.

## Case list
cases-title = Cases
cases-search-label = Child's name
cases-search-hint = Any spelling, any order, in any script.
cases-search-too-long = The name is too long to search for.
cases-search-submit = Search
cases-filter-status = Status
cases-filter-risk = Risk
cases-filter-any = Any
cases-summary = { $count ->
    [one] One case
   *[other] { $shown } cases
  } · page { $page } of { $pages }
cases-none = No case matches.
cases-col-name = Name
cases-col-reference = Reference
cases-col-risk = Risk
cases-col-status = Status
cases-col-identified = Identified
cases-pages = Pages
cases-previous = Previous page
cases-next = Next page

## Registration
register-title = Register a child
register-intro = The essentials only: everything else can be added to the case later.
register-errors = Please correct the following
register-child = The child
register-identification = Identification
register-consent = Consent
register-choose = Choose…
register-unknown = Not known yet
register-no-consent = Not given yet
register-age-hint = Give the date of birth, or the estimated age when it is not known.
register-citizenship-hint = Country codes, such as AL or NPL; separate several with commas.
register-submit = Register

## Fields (registration and case page)
field-required = (required)
field-given-name = Given name
field-family-name = Family name
field-sex = Sex
field-date-of-birth = Date of birth
field-estimated-age = Estimated age (years)
field-age-disputed = The child's age is disputed
field-citizenship = Citizenship
field-identification-date = Date identified
field-place = Place identified
field-channel = Identified through
field-risk = Risk level
field-protection-status = Protection status
field-consent-given-by = Consent to services given by

## Validation messages
error-given-name = Enter the child's given name (at most 200 characters).
error-family-name = The family name can have at most 200 characters.
error-sex = Choose the child's sex.
error-age = Give the date of birth (not in the future), or the estimated age — not both.
error-estimated-age = The estimated age must be a whole number of years from 0 to 25.
error-citizenship = Use country codes such as AL, NP or NPL.
error-identification-date = Enter the date the child was identified; it cannot be in the future.
error-place = Enter where the child was identified.
error-channel = Choose how the child was identified.
error-risk = Choose the risk level.
error-protection = Choose a protection status, or leave it as not known.
error-consent = Check who gave consent and the date identified.
error-invalid = Check the form: something is not valid.

## Error pages
error-not-found-title = Not found
error-not-found-body = There is no such page, or it is not open to you.
error-forbidden-title = Not allowed
error-forbidden-body = Your role does not allow this, or the form had expired. Go back, reload the page and try again.
error-bad-request-title = Request not understood
error-bad-request-body = The page could not read what was sent. Go back and try again.
error-unavailable-title = Unavailable
error-unavailable-body = Safepath is restarting. Try again in a minute.
error-internal-title = Something went wrong
error-internal-body = Your work was not saved. Try again; if it goes on, tell your administrator.
error-back-home = Back to My work

## Case page
case-title = Case { $reference }
case-section-identity = Identity
case-section-identification = Identification
case-section-consent = Consent
case-section-assessments = Assessments
case-section-best-interest = Best-interest assessment and determination
case-section-plan = Case plan and services
case-section-referrals = Referrals and transfer
case-section-follow-ups = Follow-ups
case-section-notes = Notes
case-section-history = History
case-section-coming = This section will open with the case workflow.
case-other-names = Other names
case-consent-table = Consents recorded
case-no-consent = No consent is recorded: nothing can be shared.
case-consent-purpose = For
case-consent-given-by = Given by
case-consent-date = Date
case-consent-withheld = Withheld
case-yes = Yes
case-no = No

## Code lists
code-status-identified = Identified
code-status-registered = Registered
code-status-assessment = Assessment
code-status-best_interest = Best interest
code-status-case_plan = Case plan
code-status-implementation = Implementation
code-status-follow_up = Follow-up
code-status-closure_requested = Closure requested
code-status-closed = Closed
code-status-transfer_requested = Transfer requested
code-status-transferred = Transferred
code-status-duplicate = Duplicate
code-risk-high = High risk
code-risk-medium = Medium risk
code-risk-low = Low risk
code-sex-Feminine = Female
code-sex-Masculine = Male
code-sex-TransgenderFeminine = Transgender female
code-sex-TransgenderMasculine = Transgender male
code-sex-NonConforming = Gender non-conforming
code-sex-NonSpecifiedUnknown = Not specified or unknown
code-channel-community_focal_point = Community focal point
code-channel-partner_referral = Partner referral
code-channel-police = Police
code-channel-outreach = Outreach
code-channel-hotline = Hotline
code-channel-self_referral = Self-referral
code-channel-school = School
code-channel-health_service = Health service
code-channel-other = Other
code-protection-unaccompanied = Unaccompanied
code-protection-separated = Separated
code-protection-accompanied = Accompanied
code-given-by-child = The child
code-given-by-parent = A parent
code-given-by-guardian = A guardian
code-given-by-other = Someone else
code-purpose-services = Services
code-purpose-sharing = Sharing with partners
code-purpose-tracing = Family tracing
code-purpose-deidentified_reporting = De-identified reporting
