# Safepath वेब इन्टरफेस: नेपाली (साइन इन, मेरो काम र दर्ता; अरू अंग्रेजीमा)।

## Page frame
app-name = Safepath
nav-skip = सामग्रीमा जानुहोस्
nav-label = मुख्य
nav-my-work = मेरो काम
nav-cases = केसहरू
nav-register = बालबालिका दर्ता गर्नुहोस्
nav-sign-out = साइन आउट

## Dates
date-long = { $day } { $month } { $year }
month-1 = जनवरी
month-2 = फेब्रुअरी
month-3 = मार्च
month-4 = अप्रिल
month-5 = मे
month-6 = जुन
month-7 = जुलाई
month-8 = अगस्ट
month-9 = सेप्टेम्बर
month-10 = अक्टोबर
month-11 = नोभेम्बर
month-12 = डिसेम्बर

## Sign in
sign-in-title = साइन इन
sign-in-username = प्रयोगकर्ता नाम
sign-in-password = पासवर्ड
sign-in-submit = साइन इन गर्नुहोस्
sign-in-wrong = प्रयोगकर्ता नाम वा पासवर्ड मिलेन। जाँच गरेर फेरि प्रयास गर्नुहोस्।
sign-in-throttled = धेरै पटक प्रयास भयो। केही मिनेट पर्खेर फेरि प्रयास गर्नुहोस्।
sign-in-form-expired = फारमको समय सकियो। कृपया फेरि साइन इन गर्नुहोस्।
sign-in-expired = बालबालिकाको तथ्यांक सुरक्षित राख्न { $shown } मिनेटसम्म कुनै गतिविधि नभएकाले तपाईं साइन आउट हुनुभयो। जारी राख्न फेरि साइन इन गर्नुहोस्।
sign-in-signed-out = तपाईं साइन आउट हुनुभयो।
sign-in-languages = भाषा

## My work
my-work-title = मेरो काम
my-work-cases = मेरा खुला केसहरू
my-work-open-count = खुला: { $count }
my-work-high-count = उच्च जोखिम: { $count }
my-work-no-cases = तपाईंलाई कुनै खुला केस तोकिएको छैन।
my-work-identified = पहिचान मिति
my-work-follow-ups = बाँकी फलोअपहरू
my-work-approvals = स्वीकृतिको प्रतीक्षामा
my-work-coming = केस व्यवस्थापन प्रक्रिया आएपछि यो सूची यहाँ देखिनेछ।
my-work-no-case-role = तपाईंको भूमिकाले बालबालिकाका केसहरू हेर्न दिँदैन।

## Registration
register-title = बालबालिका दर्ता गर्नुहोस्
register-intro = अत्यावश्यक कुरा मात्र: बाँकी पछि केसमा थप्न सकिन्छ।
register-errors = कृपया तलका कुरा सच्याउनुहोस्
register-child = बालबालिका
register-identification = पहिचान
register-consent = सहमति
register-choose = छान्नुहोस्…
register-unknown = अहिलेसम्म थाहा छैन
register-no-consent = अहिलेसम्म दिइएको छैन
register-age-hint = जन्म मिति दिनुहोस्, वा थाहा नभए अनुमानित उमेर।
register-citizenship-hint = देशको कोड, जस्तै NP वा NPL; धेरै भए अल्पविरामले छुट्याउनुहोस्।
register-submit = दर्ता गर्नुहोस्

## Fields (registration and case page)
field-required = (अनिवार्य)
field-given-name = नाम
field-family-name = थर
field-sex = लिङ्ग
field-date-of-birth = जन्म मिति
field-estimated-age = अनुमानित उमेर (वर्ष)
field-age-disputed = बालबालिकाको उमेरमा विवाद छ
field-citizenship = नागरिकता
field-identification-date = पहिचान गरिएको मिति
field-place = पहिचान गरिएको ठाउँ
field-channel = पहिचानको माध्यम
field-risk = जोखिमको स्तर
field-protection-status = संरक्षणको अवस्था
field-consent-given-by = सेवाका लागि सहमति दिने व्यक्ति
field-consent-sharing = सहमतिले साझेदार संस्थाहरूसँग जानकारी बाँड्ने (रिफरल) कुरा पनि समेट्छ

## Validation messages
error-given-name = बालबालिकाको नाम लेख्नुहोस् (बढीमा २०० अक्षर)।
error-family-name = थर बढीमा २०० अक्षरको हुन सक्छ।
error-sex = बालबालिकाको लिङ्ग छान्नुहोस्।
error-age = जन्म मिति (भविष्यको होइन) वा अनुमानित उमेर दिनुहोस्, दुवै होइन।
error-estimated-age = अनुमानित उमेर ० देखि २५ वर्षसम्मको पूर्ण संख्या हुनुपर्छ।
error-citizenship = NP वा NPL जस्ता देशका कोड प्रयोग गर्नुहोस्।
error-identification-date = बालबालिका पहिचान भएको मिति लेख्नुहोस्; यो भविष्यको हुन सक्दैन।
error-place = बालबालिका कहाँ पहिचान भयो लेख्नुहोस्।
error-channel = बालबालिका कसरी पहिचान भयो छान्नुहोस्।
error-risk = जोखिमको स्तर छान्नुहोस्।
error-protection = संरक्षणको अवस्था छान्नुहोस्, वा "थाहा छैन" राख्नुहोस्।
error-consent = सहमति कसले दियो र पहिचान मिति जाँच गर्नुहोस्।
error-invalid = फारम जाँच गर्नुहोस्: केही कुरा मिलेन।

## Error pages
error-not-found-title = भेटिएन
error-not-found-body = यो पृष्ठ छैन, वा तपाईंका लागि खुला छैन।
error-forbidden-title = अनुमति छैन
error-forbidden-body = तपाईंको भूमिकाले यो गर्न दिँदैन, वा फारमको समय सकियो। पछाडि गएर पृष्ठ फेरि खोल्नुहोस् र प्रयास गर्नुहोस्।
error-bad-request-title = अनुरोध बुझिएन
error-bad-request-body = पठाइएको कुरा पढ्न सकिएन। पछाडि गएर फेरि प्रयास गर्नुहोस्।
error-unavailable-title = उपलब्ध छैन
error-unavailable-body = Safepath पुनः सुरु हुँदैछ। एक मिनेटपछि फेरि प्रयास गर्नुहोस्।
error-internal-title = केही गडबड भयो
error-internal-body = तपाईंको काम सुरक्षित भएन। फेरि प्रयास गर्नुहोस्; समस्या रहिरहे प्रशासकलाई भन्नुहोस्।
error-back-home = मेरो काममा फर्कनुहोस्

## Code lists
code-status-identified = पहिचान भएको
code-status-registered = दर्ता भएको
code-status-assessment = मूल्यांकन
code-status-best_interest = सर्वोत्तम हित
code-status-case_plan = केस योजना
code-status-implementation = कार्यान्वयन
code-status-follow_up = फलोअप
code-status-closure_requested = बन्द गर्न अनुरोध
code-status-closed = बन्द
code-status-transfer_requested = स्थानान्तरण अनुरोध
code-status-transferred = स्थानान्तरण भएको
code-status-duplicate = दोहोरिएको
code-risk-high = उच्च जोखिम
code-risk-medium = मध्यम जोखिम
code-risk-low = न्यून जोखिम
code-sex-Feminine = महिला
code-sex-Masculine = पुरुष
code-sex-TransgenderFeminine = पारलिङ्गी महिला
code-sex-TransgenderMasculine = पारलिङ्गी पुरुष
code-sex-NonConforming = लैङ्गिक रूपमा भिन्न
code-sex-NonSpecifiedUnknown = नखुलेको वा थाहा नभएको
code-channel-community_focal_point = सामुदायिक सम्पर्क व्यक्ति
code-channel-partner_referral = साझेदार संस्थाको प्रेषण
code-channel-police = प्रहरी
code-channel-outreach = आउटरिच
code-channel-hotline = हटलाइन
code-channel-self_referral = आफैं आएको
code-channel-school = विद्यालय
code-channel-health_service = स्वास्थ्य सेवा
code-channel-other = अन्य
code-protection-unaccompanied = अभिभावकविहीन
code-protection-separated = परिवारबाट छुटिएको
code-protection-accompanied = अभिभावकसहित
code-given-by-child = बालबालिका आफैं
code-given-by-parent = आमा वा बुबा
code-given-by-guardian = संरक्षक
code-given-by-other = अन्य व्यक्ति
code-purpose-services = सेवाहरू
code-purpose-sharing = साझेदारसँग साझा गर्न
code-purpose-tracing = परिवार खोजी
code-purpose-deidentified_reporting = पहिचान हटाइएको प्रतिवेदन

# The case workflow: My work
nav-approvals = स्वीकृतिहरू
my-work-overdue = म्याद नाघेका: { $count }
my-work-upcoming = आगामी ७ दिनमा: { $count }
my-work-nothing = यहाँ केही छैन।
my-work-show-more = थप कामहरू देखाउनुहोस् (१०० सम्म)
my-work-due = म्याद { $date }
my-work-until = { $date } सम्म पहुँच
my-work-referrals = नयाँ प्रेषण र स्थानान्तरण
my-work-referral = तपाईंको संस्थामा एउटा प्रेषण
my-work-transfer = तपाईंको संस्थामा एउटा स्थानान्तरण
my-work-task-assign = केसवर्कर तोक्नुहोस्
my-work-task-first-response = पहिलो प्रतिक्रिया
my-work-task-case-plan = केस योजना
my-work-task-follow-up = अनुगमन
my-work-task-scheduled-follow-up = तय गरिएको अनुगमन
my-work-task-service = सेवा
my-work-task-bid-review = सर्वोत्तम हित निर्धारणको पुनरावलोकन
my-work-approval-bia = स्वीकृत गर्नुपर्ने सर्वोत्तम हित मूल्याङ्कन
my-work-approval-bid = स्वीकृत गर्नुपर्ने सर्वोत्तम हित निर्धारण
my-work-approval-case_plan = स्वीकृत गर्नुपर्ने केस योजना
my-work-approval-transfer = स्वीकृत गर्नुपर्ने स्थानान्तरण
my-work-approval-closure = स्वीकृत गर्नुपर्ने केस बन्द
